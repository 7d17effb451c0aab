// GET /analytics/persons/{id} and GET /analytics/groups/{type}/{key}: the person and group
// views, read from the store's PersonStore (indexed rows; a person's recent events from the
// per-user event pages of each of its ids, merged).

import Foundation
import Hummingbird
import PipelineKit

struct PeopleRoutes: Sendable {
    let people: any PersonStore
    let reader: any AnalyticsReader

    /// A person's recent events are read from its first ids (byte order) only, so one request
    /// reads at most this many event pages.
    static let maxIDsForEvents = 100

    func register(on router: Router<some RequestContext>) {
        router.get("/analytics/persons/{id}") { request, context in
            try await AnalyticsRoutes.answering {
                try await self.person(try Self.segment(context.parameters.get("id"), name: "id"), request.uri.queryParameters)
            }
        }
        router.get("/analytics/groups/{type}/{key}") { request, context in
            try await AnalyticsRoutes.answering {
                let group = GroupKey(
                    type: try Self.segment(context.parameters.get("type"), name: "type"), key: try Self.segment(context.parameters.get("key"), name: "key"))
                return try await self.group(group, request.uri.queryParameters)
            }
        }
    }

    /// A path segment, percent-decoded.
    static func segment(_ raw: String?, name: String) throws -> String {
        guard let raw, let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, "invalid_parameter", "path segment {\(name)} '\(raw ?? "")' is not valid percent-encoded UTF-8 text")
        }
        return decoded
    }

    func person(_ id: String, _ query: Parameters) async throws -> Response {
        let limit = try AnalyticsRoutes.integer(query, "events", default: 20, range: 0...100)
        guard let person = try await people.person(distinctID: id) else {
            throw APIError(
                .notFound, "person_not_found",
                "no person has distinct id '\(id)': no stored event, alias, identify or $set named it; expected a user_id of a stored event")
        }
        var rows: [StoredRow] = []
        if limit > 0 {
            for distinctID in person.distinctIDs.prefix(Self.maxIDsForEvents) {
                rows += try await reader.events(EventQuery(limit: limit, userID: distinctID)).rows
            }
        }
        let recent = rows.sorted { ($0.event.timestamp, $0.id) > ($1.event.timestamp, $1.id) }.prefix(limit)
        return JSONResponse.make(
            .ok,
            [
                "person_id": person.personID.map { JSONValue($0) } ?? .null, "distinct_ids": .array(person.distinctIDs.map(JSONValue.string)),
                "properties": .object(person.properties), "first_seen": JSONValue(person.firstSeen?.iso8601),
                "last_seen": JSONValue(person.lastSeen?.iso8601), "recent_events": .array(recent.map { .object(AnalyticsRoutes.object(of: $0.event)) }),
            ])
    }

    func group(_ key: GroupKey, _ query: Parameters) async throws -> Response {
        let limit = try AnalyticsRoutes.integer(query, "members", default: 100, range: 0...1000)
        guard let group = try await people.group(key, memberLimit: limit) else {
            throw APIError(
                .notFound, "group_not_found",
                "no group of type '\(key.type)' has key '\(key.key)': no stored $groupidentify, Segment group or $groups property named it")
        }
        return JSONResponse.make(
            .ok,
            [
                "group_type": .string(group.group.type), "group_key": .string(group.group.key), "properties": .object(group.properties),
                "member_count": JSONValue(group.memberCount), "members": .array(group.members.map(JSONValue.string)),
                "first_seen": .string(group.firstSeen.iso8601), "last_seen": .string(group.lastSeen.iso8601),
            ])
    }
}
