// The `geoip` step: where the client address is (country, region, city, coordinates, time
// zone), from a MaxMind-format database that is reloaded when the file changes on disk.

import Enrichment
import PipelineKit

/// Adds PostHog's `$geoip_*` properties for the event's `$ip` (when it holds an address)
/// or the request's client address; a property the event already has keeps its value, and
/// an event with `$geoip_disable: true` (what PostHog's SDKs send to opt out) is left alone.
struct GeoIPOperation: EnrichOperation {
    static let outputs = [
        "$geoip_country_code", "$geoip_country_name", "$geoip_subdivision_1_code", "$geoip_subdivision_1_name", "$geoip_city_name",
        "$geoip_postal_code", "$geoip_latitude", "$geoip_longitude", "$geoip_time_zone", "$geoip_continent_code",
    ]
    let keys = PropertyKeyList(["$ip", "$geoip_disable"] + GeoIPOperation.outputs)
    let database: ReloadingGeoIPDatabase

    init(options: EnrichStageKind.Step.GeoIPOptions) { database = options.opened }

    func apply(to event: inout Event, context: IngestContext) {
        let values = event.propertyValues(keys)
        if case .bool(true) = values[1] { return }
        guard values[2...].contains(where: { $0 == nil }) else { return }
        let address = values[0]?.stringValue.flatMap(IPAddress.init) ?? context.clientIP.flatMap(IPAddress.init)
        guard let address, let location = database.lookup(address) else { return }
        let derived: [JSONValue?] = [
            location.countryCode.map(JSONValue.string), location.countryName.map(JSONValue.string), location.regionCode.map(JSONValue.string),
            location.regionName.map(JSONValue.string), location.city.map(JSONValue.string), location.postalCode.map(JSONValue.string),
            location.latitude.map { .number(JSONNumber($0)) }, location.longitude.map { .number(JSONNumber($0)) },
            location.timeZone.map(JSONValue.string), location.continentCode.map(JSONValue.string),
        ]
        var added = JSONObject()
        for (offset, key) in Self.outputs.enumerated() where values[2 + offset] == nil {
            if let value = derived[offset] { added[key] = value }
        }
        event.appendProperties(knownAbsent: added)
    }
}
