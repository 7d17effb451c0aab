// UserAgentTableTests: every real User-Agent string of Fixtures/user-agents.tsv parses to the
// browser, versions, OS, device type and bot flag the table gives for it.

import Enrichment
import Foundation
import Testing

/// One row of Fixtures/user-agents.tsv: a User-Agent string and what it parses to.
struct UserAgentFixture: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: UserAgent

    var testDescription: String { text }

    /// The rows of the table; empty when it cannot be read (which `tableIsThere` reports).
    static let all: [UserAgentFixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/user-agents.tsv")
        let table = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return table.split(separator: "\n").dropFirst(3).compactMap { UserAgentFixture(row: $0) }
    }()

    /// A row's seven tab-separated fields; nil when it has another number of them.
    init?(row: Substring) {
        let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 7, let deviceType = DeviceType(rawValue: fields[5]) else { return nil }
        func field(_ index: Int) -> String? { fields[index].isEmpty ? nil : fields[index] }
        text = fields[0]
        expected = UserAgent(
            browser: field(1), browserVersion: field(2), os: field(3), osVersion: field(4), deviceType: deviceType,
            isBot: fields[6] == "true")
    }
}

@Suite struct UserAgentTableTests {
    @Test func tableIsThere() throws {
        let lines = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/user-agents.tsv"),
            encoding: .utf8
        ).split(separator: "\n")
        #expect(lines.count - 3 == UserAgentFixture.all.count, "every row has seven fields and a known device type")
        #expect(Set(UserAgentFixture.all.map(\.text)).count >= 100)
        #expect(Set(UserAgentFixture.all.map(\.expected.browser)).count >= 25)
        #expect(UserAgentFixture.all.filter(\.expected.isBot).count >= 30)
        #expect(UserAgentFixture.all.filter { !$0.expected.isBot }.count >= 70)
    }

    @Test(arguments: UserAgentFixture.all)
    func parsesEveryField(_ fixture: UserAgentFixture) {
        #expect(UserAgent(parsing: fixture.text) == fixture.expected)
    }

    @Test(arguments: UserAgentFixture.all)
    func parsesASubstringAlike(_ fixture: UserAgentFixture) {
        let padded = "\u{1F600}" + fixture.text + "\u{1F600}"
        let inner = padded.dropFirst().dropLast()
        #expect(UserAgent(parsing: inner) == fixture.expected)
    }

    @Test func botsAreAlwaysBotDevices() {
        for fixture in UserAgentFixture.all {
            #expect(fixture.expected.isBot == (fixture.expected.deviceType == .bot), "\(fixture.text)")
        }
    }
}
