// GET /analytics/*: stats, trends and event pages (persons and groups: PeopleRoutes.swift), all answered by the store's
// AnalyticsReader (rollups and keyset scans; never a full scan of events). A store that cannot
// answer is a 503 store_unavailable with Retry-After, as ingest answers for its queue.

import Hummingbird
import PipelineKit
import Stages

struct AnalyticsRoutes: Sendable {
    let reader: any AnalyticsReader

    func register(on router: Router<some RequestContext>) {
        router.get("/analytics/stats") { _, _ in try await Self.answering { try await self.stats() } }
        router.get("/analytics/events") { request, _ in try await Self.answering { try await self.events(request.uri.queryParameters) } }
        router.get("/analytics/trends") { request, _ in try await Self.answering { try await self.trends(request.uri.queryParameters) } }
    }

    /// Runs a read; a store that is unreachable or does not answer in time (`StoreError`
    /// `unavailable`) becomes 503 `store_unavailable` with `Retry-After: 1`, never a bare 500.
    static func answering(_ read: () async throws -> Response) async throws -> Response {
        do {
            return try await read()
        } catch let error as StoreError where error.code == .unavailable {
            throw APIError(.serviceUnavailable, PipelineError.Code.storeUnavailable.rawValue, error.message, headers: [.retryAfter: "1"])
        }
    }

    func stats() async throws -> Response {
        let stats = try await reader.stats(top: 10)
        return JSONResponse.make(
            .ok,
            [
                "total_events": JSONValue(stats.totalEvents), "unique_users": JSONValue(stats.uniqueUsers),
                "top_events": .array(stats.topEvents.map { .object(["event": .string($0.name), "count": JSONValue($0.count)]) }),
            ])
    }

    func events(_ query: Parameters) async throws -> Response {
        let limit = try Self.integer(query, "limit", default: 100, range: 1...1000)
        let before = try query["before"].map { try Self.timestamp($0, name: "before") }
        var after: EventCursor?
        if let token = query["cursor"].map(String.init) {
            guard let cursor = EventCursor(token: token) else {
                throw APIError(.badRequest, "invalid_parameter", "cursor '\(token)' is not a cursor; pass the 'next_cursor' of a previous page")
            }
            after = cursor
        }
        let page = try await reader.events(
            EventQuery(limit: limit, eventName: query["event_name"].map(String.init), userID: query["user_id"].map(String.init), before: before, after: after))
        var writer = JSONWriter(capacity: 512 * page.rows.count + 64)
        writer.writeRaw("{\"events\":[")
        for (position, row) in page.rows.enumerated() {
            if position > 0 { writer.writeRaw(",") }
            writer.write(object: Self.object(of: row.event))
        }
        writer.writeRaw("],\"next_cursor\":")
        writer.write(JSONValue(page.next?.token))
        writer.writeRaw("}")
        return JSONResponse.make(.ok, bytes: writer.bytes)
    }

    /// A stored event as the analytics endpoints answer it.
    static func object(of event: Event) -> JSONObject {
        [
            "event_id": .string(event.eventID), "event_name": .string(event.eventName), "user_id": .string(event.userID),
            "properties": .object(event.properties), "timestamp": .string(event.timestamp.iso8601), "session_id": JSONValue(event.sessionID),
            "received_at": .string(event.receivedAt.iso8601),
        ]
    }

    func trends(_ query: Parameters) async throws -> Response {
        let interval: RollupDelta.Interval
        switch query["interval"].map(String.init) ?? "day" {
        case "day": interval = .day
        case "hour": interval = .hour
        case let other: throw APIError(.badRequest, "invalid_parameter", "interval '\(other)' is not supported; expected day or hour")
        }
        let step: Int64 = interval == .day ? 86_400_000_000 : 3_600_000_000
        let to = try query["to"].map { try Self.timestamp($0, name: "to") } ?? Timestamp.now()
        let from = try query["from"].map { try Self.timestamp($0, name: "from") } ?? Timestamp(microseconds: to.microseconds - step * 30)
        guard from < to else { throw APIError(.badRequest, "invalid_parameter", "from (\(from)) must be before to (\(to))") }
        let first = interval == .day ? from.dayStart : from.hourStart
        let buckets = (to.microseconds - first.microseconds + step - 1) / step
        guard buckets <= 10_000 else {
            throw APIError(.badRequest, "invalid_parameter", "from..to spans \(buckets) \(interval.rawValue)s; at most 10000 buckets per request")
        }
        let event = query["event"].map(String.init)
        let points = try await reader.trends(TrendQuery(eventName: event, from: first, to: to, interval: interval))
        var byBucket: [Int64: TrendPoint] = [:]
        for point in points { byBucket[point.bucket.microseconds] = point }
        // Every bucket is listed, empty ones with zeros, so charts need no gap filling.
        let series: [JSONValue] = (0..<buckets).map { offset in
            let start = first.microseconds + offset * step
            let point = byBucket[start]
            return .object([
                "bucket": .string(Timestamp(microseconds: start).iso8601), "events": JSONValue(point?.events ?? 0),
                "unique_users": JSONValue(point?.users ?? 0),
            ])
        }
        return JSONResponse.make(
            .ok,
            [
                "event": JSONValue(event), "interval": .string(interval.rawValue), "from": .string(first.iso8601), "to": .string(to.iso8601),
                "points": .array(series),
            ])
    }

    static func integer(_ query: Parameters, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query[Substring(name)] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, "invalid_parameter", "\(name) '\(text)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func timestamp(_ text: Substring, name: String) throws -> Timestamp {
        guard let value = Timestamp(iso8601: String(text)) else {
            throw APIError(.badRequest, "invalid_parameter", "\(name) '\(text)' is not an ISO-8601 date-time with a time zone (e.g. 2024-05-06T00:00:00Z)")
        }
        return value
    }
}
