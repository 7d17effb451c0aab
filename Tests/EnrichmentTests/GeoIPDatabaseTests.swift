// GeoIPDatabase against small databases written by scripts/make-test-geoip.py: what lookups
// return, and that missing, foreign and corrupt files are errors naming the file, never a crash.

import Enrichment
import Foundation
import PipelineKit
import Testing

let berlin = GeoLocation(
    countryCode: "DE", countryName: "Germany", regionCode: "BE", regionName: "Berlin", city: "Berlin", latitude: 52.5244, longitude: 13.4105,
    timeZone: "Europe/Berlin", continentCode: "EU", postalCode: "10115")
let hamburg = GeoLocation(
    countryCode: "DE", countryName: "Germany", regionCode: "HH", regionName: "Hamburg", city: "Hamburg", latitude: 53.5507, longitude: 9.993,
    timeZone: "Europe/Berlin", continentCode: "EU", postalCode: "20095")
let tokyo = GeoLocation(
    countryCode: "JP", countryName: "Japan", regionCode: "13", regionName: "Tokyo", city: "Tokyo", latitude: 35.6895, longitude: 139.6917,
    timeZone: "Asia/Tokyo", continentCode: "AS", postalCode: "100-0001")
let unitedStates = GeoLocation(countryCode: "US", countryName: "United States", continentCode: "NA")

/// The address parsed; a test of a malformed literal fails rather than crashes.
func address(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

/// The error `body` throws, if any.
func geoIPError(_ body: () throws(GeoIPError) -> GeoIPDatabase) -> GeoIPError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite(.timeLimit(.minutes(2))) struct GeoIPDatabaseTests {
    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func looksUpIPv4AndIPv6Addresses() async throws {
        try await withTestDatabase { path, _ in
            let database = try GeoIPDatabase.open(path: path)
            #expect(database.databaseType == "GeoLite2-City")
            #expect(database.ipVersion == 6)
            #expect(database.path == path)
            #expect(database.lookup(try address("203.0.113.77")) == berlin)
            #expect(database.lookup(try address("203.0.113.0")) == berlin)
            #expect(database.lookup(try address("::ffff:203.0.113.200")) == berlin)
            #expect(database.lookup(try address("2001:db8:1:2::5")) == tokyo)
            #expect(database.lookup(try address("198.51.100.9")) == unitedStates)
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func anAddressNotInTheDatabaseHasNoLocation() async throws {
        try await withTestDatabase { path, _ in
            let database = try GeoIPDatabase.open(path: path)
            for text in ["192.0.2.1", "203.0.114.1", "8.8.8.8", "0.0.0.0", "255.255.255.255", "2001:db8:2::1", "::1", "fe80::1"] {
                #expect(database.lookup(try address(text)) == nil, "\(text)")
            }
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func anIPv4DatabaseHasNoIPv6Locations() async throws {
        try await withTestDatabase(variant: "ipv4") { path, _ in
            let database = try GeoIPDatabase.open(path: path)
            #expect(database.ipVersion == 4)
            #expect(database.lookup(try address("203.0.113.77")) == berlin)
            #expect(database.lookup(try address("2001:db8:1:2::5")) == nil)
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let path = "/nonexistent-\(UUID().uuidString)/GeoLite2-City.mmdb"
        let error = try #require(geoIPError { () throws(GeoIPError) in try GeoIPDatabase.open(path: path) })
        #expect(error.path == path)
        #expect(error.reason == .cannotOpen("No such file or directory"))
        #expect(error.description == "cannot open \(path): No such file or directory; expected a MaxMind-format .mmdb file")
    }

    @Test func aDirectoryIsAnError() async throws {
        try await withTemporaryDirectory { directory in
            let error = try #require(geoIPError { () throws(GeoIPError) in try GeoIPDatabase.open(path: directory) })
            #expect(error.reason == .cannotOpen("Is a directory"))
            #expect(error.description.contains(directory))
        }
    }

    @Test func randomBytesAndEmptyFilesAreNotDatabases() async throws {
        try await withTemporaryDirectory { directory in
            var generator = SystemRandomNumberGenerator()
            for size in [0, 1, 14, 100, 4096, 100_000] {
                let path = directory + "/random-\(size).mmdb"
                try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path))
                let error = try #require(geoIPError { () throws(GeoIPError) in try GeoIPDatabase.open(path: path) }, "\(size) random bytes")
                #expect(error.path == path)
                let why = size == 0 ? "the file is empty" : "The MaxMind DB file contains invalid metadata"
                #expect(error.reason == .notAMaxMindDatabase(why))
                #expect(error.description.hasPrefix("\(path) is not a MaxMind database (\(why)); expected a MaxMind-format .mmdb file"))
            }
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func aTruncatedDatabaseIsAnErrorAtEveryLength() async throws {
        try await withTestDatabase { source, directory in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
            let path = directory + "/truncated.mmdb"
            for length in 0..<bytes.count {
                try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
                let error = geoIPError { () throws(GeoIPError) in try GeoIPDatabase.open(path: path) }
                guard case .notAMaxMindDatabase = error?.reason else {
                    Issue.record("\(length) of \(bytes.count) bytes: \(String(describing: error))")
                    continue
                }
            }
        }
    }

    /// A corruption of any one byte of the search tree or data section either fails to open
    /// or opens into a database whose lookups return (some value or nil) without crashing.
    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func aCorruptedByteNeverCrashes() async throws {
        try await withTestDatabase { source, directory in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
            let marker = Data([0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8))
            let metadataStart = try #require(bytes.range(of: marker, options: .backwards)).lowerBound
            let probes = try ["203.0.113.77", "198.51.100.9", "2001:db8:1::1", "192.0.2.1", "2001:db8:2::1"].map(address)
            let path = directory + "/corrupt.mmdb"
            var opened = 0
            for index in 0..<metadataStart {
                var corrupt = bytes
                corrupt[index] ^= index.isMultiple(of: 2) ? 0xFF : 0x5A
                try corrupt.write(to: URL(fileURLWithPath: path))
                guard let database = try? GeoIPDatabase.open(path: path) else { continue }
                opened += 1
                for probe in probes { _ = database.lookup(probe) }
            }
            #expect(opened > 0)
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func aCountryDatabaseIsRefused() async throws {
        try await withTestDatabase(variant: "country") { path, _ in
            let error = try #require(geoIPError { () throws(GeoIPError) in try GeoIPDatabase.open(path: path) })
            #expect(error.reason == .notACityDatabase(databaseType: "GeoLite2-Country"))
            #expect(error.description.contains("\(path) is a GeoLite2-Country database"))
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func concurrentLookupsOnOneDatabaseAgree() async throws {
        try await withTestDatabase { path, _ in
            let database = try GeoIPDatabase.open(path: path)
            let cases = try [("203.0.113.5", berlin), ("2001:db8:1::9", tokyo), ("198.51.100.1", unitedStates), ("192.0.2.1", nil)].map {
                (try address($0.0), $0.1)
            }
            let mismatches = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var mismatches = 0
                        for round in 0..<2_000 {
                            let (address, expected) = cases[round % cases.count]
                            if database.lookup(address) != expected { mismatches += 1 }
                        }
                        return mismatches
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(mismatches == 0)
        }
    }
}
