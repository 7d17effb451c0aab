import PipelineKit
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2024-05-06T07:08:09Z", Int64(1_714_979_289_000_000)),
        ("2024-05-06T07:08:09.123Z", 1_714_979_289_123_000),
        ("2024-05-06T07:08:09.123456+00:00", 1_714_979_289_123_456),
        ("2024-05-06T09:08:09.5+02:00", 1_714_979_289_500_000),
        ("2024-05-06T02:08:09-0500", 1_714_979_289_000_000),
        ("2024-05-06 07:08:09z", 1_714_979_289_000_000),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
    ])
    func parsesISO8601WithAZone(text: String, micros: Int64) {
        #expect(Timestamp(iso8601: text)?.microseconds == micros)
    }

    @Test(arguments: [
        "2024-05-06T07:08:09", "2024-05-06", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-06T25:00:00Z", "2024-05-06T07:08:09.Z", "yesterday",
        "2024-05-06T07:08:09+2",
    ])
    func rejectsWhatIsNotAnInstant(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func formatsAndRoundTrips() {
        let stamp = Timestamp(microseconds: 1_714_979_289_123_456)
        #expect(stamp.iso8601 == "2024-05-06T07:08:09.123456Z")
        #expect(Timestamp(microseconds: 1_714_979_289_000_000).iso8601 == "2024-05-06T07:08:09Z")
        #expect(Timestamp(iso8601: stamp.iso8601) == stamp)
        #expect(stamp.dayStart.iso8601 == "2024-05-06T00:00:00Z")
        #expect(stamp.hourStart.iso8601 == "2024-05-06T07:00:00Z")
        #expect(Timestamp(microseconds: -1).iso8601 == "1969-12-31T23:59:59.999999Z")
    }

    @Test func yearsOutsideFourDigitsAreSigned() {
        // 0000-01-01 is 62,167,219,200 s before the epoch; a day earlier is in year -0001.
        #expect(Timestamp(microseconds: -62_167_219_200_000_000).iso8601 == "0000-01-01T00:00:00Z")
        #expect(Timestamp(microseconds: -62_167_219_200_000_000 - 86_400_000_000).iso8601 == "-0001-12-31T00:00:00Z")
        #expect(Timestamp(microseconds: 253_402_300_800_000_000).iso8601 == "+10000-01-01T00:00:00Z")
        #expect(Timestamp(microseconds: -210_866_803_200_000_000).iso8601 == "-4713-11-24T00:00:00Z", "PostgreSQL's first timestamptz")
    }
}
