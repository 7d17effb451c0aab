// ReloadingGeoIPDatabase: a database file replaced on disk (by rename, as geoipupdate does)
// is picked up by lookups; a missing or corrupt replacement keeps the old data and is reported once.

import Enrichment
import Foundation
import PipelineKit
import Testing

@Suite(.timeLimit(.minutes(2))) struct GeoIPReloadTests {
    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func aReplacedFileIsServedAfterTheNextCheck() async throws {
        try await withTestDatabase { path, _ in
            let followed = try FollowedDatabase(path)
            let client = try address("203.0.113.77")
            #expect(followed.database.lookup(client) == berlin)

            try replaceDatabase(path, variant: "moved")
            #expect(try await eventually { followed.database.lookup(client) == hamburg })
            #expect(followed.reloads.all == [path])
            #expect(followed.failures.all.isEmpty)
            #expect(followed.database.lookup(try address("2001:db8:1::1")) == tokyo)
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func aCorruptOrMissingReplacementKeepsTheOldDataAndIsReportedOnce() async throws {
        try await withTestDatabase { path, _ in
            let followed = try FollowedDatabase(path)
            let client = try address("203.0.113.77")

            try replaceFile(path, with: Data("not a database, just some bytes".utf8))
            #expect(try await followed.failuresReach(1, lookingUp: client))
            #expect(followed.database.lookup(client) == berlin)
            #expect(followed.failures.all.first?.reason == .notAMaxMindDatabase("The MaxMind DB file contains invalid metadata"))

            try FileManager.default.removeItem(atPath: path)
            #expect(try await followed.failuresReach(2, lookingUp: client))
            #expect(followed.database.lookup(client) == berlin)
            #expect(followed.failures.all.last?.reason == .cannotOpen("No such file or directory"))
            #expect(followed.failures.all.last?.description.contains(path) == true)

            // Many checks pass between the last failure and the good file's reload; none
            // reports a failure again.
            try replaceDatabase(path, variant: "moved")
            #expect(try await eventually { followed.database.lookup(client) == hamburg })
            #expect(followed.failures.all.count == 2)
            #expect(followed.reloads.all == [path])

            // After a success, a failure is news again.
            try replaceFile(path, with: Data("garbage again".utf8))
            #expect(try await followed.failuresReach(3, lookingUp: client))
            #expect(followed.database.lookup(client) == hamburg)
        }
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func theFileIsNotCheckedBeforeTheIntervalPasses() async throws {
        try await withTestDatabase { path, _ in
            let followed = try FollowedDatabase(path, checkInterval: .seconds(3600))
            let first = followed.database.current
            try replaceDatabase(path, variant: "moved")
            let client = try address("203.0.113.77")
            for _ in 0..<100 { #expect(followed.database.lookup(client) == berlin) }
            #expect(followed.database.current === first)
            #expect(followed.reloads.all.isEmpty)
        }
    }

    @Test func aMissingFileAtTheStartIsAnError() throws {
        let path = "/nonexistent-\(UUID().uuidString)/GeoLite2-City.mmdb"
        do {
            _ = try ReloadingGeoIPDatabase(path: path)
            Issue.record("opened \(path)")
        } catch {
            #expect(error.path == path)
            #expect(error.reason == .cannotOpen("No such file or directory"))
        }
    }

    /// Lookups on several tasks while the file is swapped back and forth, with a check on
    /// every lookup: every answer is the old record or the new one, never a missing one or a
    /// crash on a closed database.
    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func lookupsDuringReloadsAlwaysSeeAWholeDatabase() async throws {
        try await withTestDatabase { path, directory in
            let versions = [directory + "/version-a.mmdb", directory + "/version-b.mmdb"]
            try GeoIPFixture.make(versions[0], variant: "city")
            try GeoIPFixture.make(versions[1], variant: "moved")
            let contents = try versions.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            let followed = try FollowedDatabase(path, checkInterval: .zero)
            let database = followed.database
            let client = try address("203.0.113.77")
            let stop = Recorder<Bool>()
            let unexpected = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        var unexpected = 0
                        while stop.all.isEmpty {
                            let location = database.lookup(client)
                            if location != berlin && location != hamburg { unexpected += 1 }
                            await Task.yield()
                        }
                        return unexpected
                    }
                }
                for round in 1...20 {
                    try replaceFile(path, with: contents[round % 2])
                    let expected = round.isMultiple(of: 2) ? berlin : hamburg
                    if try await !eventually({ database.lookup(client) == expected }) {
                        Issue.record("round \(round): \(expected.city ?? "?") never served")
                    }
                }
                stop.record(true)
                return try await group.reduce(0, +)
            }
            #expect(unexpected == 0)
            #expect(followed.reloads.all.count >= 20)
            #expect(followed.failures.all.isEmpty)
        }
    }
}

/// A `ReloadingGeoIPDatabase` of `path` checking every `checkInterval`, with what its
/// callbacks were given.
struct FollowedDatabase {
    let database: ReloadingGeoIPDatabase
    let reloads = Recorder<String>()
    let failures = Recorder<GeoIPError>()

    init(_ path: String, checkInterval: Duration = .milliseconds(20)) throws {
        let reloads = reloads
        let failures = failures
        database = try ReloadingGeoIPDatabase(
            path: path, checkInterval: checkInterval, onReload: { reloads.record($0.path) }, onReloadFailure: { failures.record($0) })
    }

    /// Whether, within the deadline, lookups of `address` (each one may be the check that
    /// finds the file changed) led to `count` failures reported.
    func failuresReach(_ count: Int, lookingUp address: IPAddress) async throws -> Bool {
        try await eventually {
            _ = database.lookup(address)
            return failures.all.count == count
        }
    }
}
