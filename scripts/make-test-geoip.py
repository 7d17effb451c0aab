#!/usr/bin/env python3
"""Writes a tiny MaxMind-format database in the GeoLite2-City layout, for the GeoIP tests
(Tests/EnrichmentTests/GeoIP*.swift), with mmdb-writer (pinned in scripts/requirements-test.txt).

Usage: make-test-geoip.py OUT.mmdb [VARIANT]

VARIANT (default `city`):
  city     an IPv6 database (IPv4 under ::/96) of type GeoLite2-City with:
             203.0.113.0/24   DE, Berlin (BE), Berlin, 10115, 52.5244/13.4105, Europe/Berlin
             198.51.100.0/24  US, country and continent only
             2001:db8:1::/48  JP, Tokyo (13), Tokyo, 100-0001, 35.6895/139.6917, Asia/Tokyo
  moved    as `city`, with 203.0.113.0/24 in Hamburg (HH), 20095, 53.5507/9.993
  country  as `city` with country and continent only, of type GeoLite2-Country
  ipv4     the IPv4 networks of `city` in an IPv4-only database
The documentation ranges (RFC 5737, RFC 3849) keep real addresses out of the tests.
"""

import sys

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def names(english):
    return {"en": english, "de": english}


def place(country, country_name, continent, continent_name, subdivision=None, city=None, postal=None, location=None):
    record = {
        "continent": {"code": continent, "names": names(continent_name)},
        "country": {"iso_code": country, "names": names(country_name)},
        "registered_country": {"iso_code": country, "names": names(country_name)},
    }
    if subdivision:
        record["subdivisions"] = [{"iso_code": subdivision[0], "names": names(subdivision[1])}]
    if city:
        record["city"] = {"names": names(city)}
    if postal:
        record["postal"] = {"code": postal}
    if location:
        latitude, longitude, time_zone = location
        record["location"] = {"accuracy_radius": 20, "latitude": latitude, "longitude": longitude, "time_zone": time_zone}
    return record


def records(variant):
    berlin = place("DE", "Germany", "EU", "Europe", ("BE", "Berlin"), "Berlin", "10115", (52.5244, 13.4105, "Europe/Berlin"))
    hamburg = place("DE", "Germany", "EU", "Europe", ("HH", "Hamburg"), "Hamburg", "20095", (53.5507, 9.993, "Europe/Berlin"))
    united_states = place("US", "United States", "NA", "North America")
    tokyo = place("JP", "Japan", "AS", "Asia", ("13", "Tokyo"), "Tokyo", "100-0001", (35.6895, 139.6917, "Asia/Tokyo"))
    result = [
        ("203.0.113.0/24", hamburg if variant == "moved" else berlin),
        ("198.51.100.0/24", united_states),
        ("2001:db8:1::/48", tokyo),
    ]
    if variant == "country":
        keep = ("continent", "country", "registered_country")
        result = [(network, {key: value for key, value in record.items() if key in keep}) for network, record in result]
    if variant == "ipv4":
        result = [(network, record) for network, record in result if ":" not in network]
    return result


def main():
    variants = ("city", "moved", "country", "ipv4")
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in variants):
        print(f"usage: {sys.argv[0]} OUT.mmdb [{'|'.join(variants)}]", file=sys.stderr)
        return 2
    out = sys.argv[1]
    variant = sys.argv[2] if len(sys.argv) == 3 else "city"
    database_type = "GeoLite2-Country" if variant == "country" else "GeoLite2-City"
    if variant == "ipv4":
        writer = MMDBWriter(ip_version=4, database_type=database_type, languages=["en", "de"], description="SmolHog test database")
    else:
        writer = MMDBWriter(
            ip_version=6, ipv4_compatible=True, database_type=database_type, languages=["en", "de"], description="SmolHog test database"
        )
    for network, record in records(variant):
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
