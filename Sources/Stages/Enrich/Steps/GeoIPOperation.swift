// The `geoip` step: where the client address is (country, region, city, coordinates, time
// zone), from a MaxMind-format database that is reloaded when the file changes on disk.

import Enrichment
import PipelineKit

/// Adds PostHog's `$geoip_*` properties for the event's `$ip` (when it holds an address)
/// or the request's client address; a property the event already has keeps its value, and
/// an event with `$geoip_disable: true` (what PostHog's SDKs send to opt out) is left alone.
struct GeoIPOperation: DerivingOperation {
    static let outputs = [
        "$geoip_country_code", "$geoip_country_name", "$geoip_subdivision_1_code", "$geoip_subdivision_1_name", "$geoip_city_name",
        "$geoip_postal_code", "$geoip_latitude", "$geoip_longitude", "$geoip_time_zone", "$geoip_continent_code",
    ]
    let reads = ["$ip", "$geoip_disable"] + GeoIPOperation.outputs
    let database: ReloadingGeoIPDatabase

    init(options: EnrichStageKind.Step.GeoIPOptions) { database = options.opened }

    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts) {
        if case .bool(true) = derivation.value(base + 1) { return }
        guard (base + 2..<base + reads.count).contains(where: { derivation.value($0) == nil }) else { return }
        let address = derivation.value(base)?.stringValue.flatMap(IPAddress.init) ?? facts.clientAddress
        guard let address, let location = database.lookup(address) else { return }
        let derived: [JSONValue?] = [
            location.countryCode.map(JSONValue.string), location.countryName.map(JSONValue.string), location.regionCode.map(JSONValue.string),
            location.regionName.map(JSONValue.string), location.city.map(JSONValue.string), location.postalCode.map(JSONValue.string),
            location.latitude.map { .number(JSONNumber($0)) }, location.longitude.map { .number(JSONNumber($0)) },
            location.timeZone.map(JSONValue.string), location.continentCode.map(JSONValue.string),
        ]
        for (offset, value) in derived.enumerated() {
            if let value { derivation.addIfAbsent(base + 2 + offset, value) }
        }
    }
}
