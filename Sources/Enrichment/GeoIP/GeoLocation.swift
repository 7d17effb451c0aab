// GeoLocation: where a client address is, as a MaxMind-format City database tells it
// (country, region, city, coordinates, time zone), what the `geoip` enrichment step adds.

/// Where an address is, as read from one City-layout database record. Every field is nil
/// when the record lacks it (or holds it empty, or as another type than the layout's):
/// a record for a whole country has no city, coordinates or postal code.
public struct GeoLocation: Sendable, Hashable {
    /// ISO 3166-1 alpha-2 code of the country (`DE`), from `country.iso_code`.
    public var countryCode: String?
    /// The country's English name (`Germany`), from `country.names.en`.
    public var countryName: String?
    /// The first-level subdivision's ISO 3166-2 code without the country (`BE`), from
    /// `subdivisions.0.iso_code`.
    public var regionCode: String?
    /// The first-level subdivision's English name (`Berlin`), from `subdivisions.0.names.en`.
    public var regionName: String?
    /// The city's English name, from `city.names.en`.
    public var city: String?
    /// Degrees north (negative: south), from `location.latitude`; approximate, see the
    /// database's `location.accuracy_radius`.
    public var latitude: Double?
    /// Degrees east (negative: west), from `location.longitude`.
    public var longitude: Double?
    /// IANA time zone name (`Europe/Berlin`), from `location.time_zone`.
    public var timeZone: String?
    /// Two-letter continent code (`EU`, `NA`), from `continent.code`.
    public var continentCode: String?
    /// Postal code (`10115`; in some countries only its first characters), from `postal.code`.
    public var postalCode: String?

    /// A location with the given fields; those left out are nil.
    public init(
        countryCode: String? = nil, countryName: String? = nil, regionCode: String? = nil, regionName: String? = nil, city: String? = nil,
        latitude: Double? = nil, longitude: Double? = nil, timeZone: String? = nil, continentCode: String? = nil, postalCode: String? = nil
    ) {
        self.countryCode = countryCode
        self.countryName = countryName
        self.regionCode = regionCode
        self.regionName = regionName
        self.city = city
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
        self.continentCode = continentCode
        self.postalCode = postalCode
    }
}
