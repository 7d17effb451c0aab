// The `geoip` step's options: the database file (opened while the config decodes, so a
// missing or corrupt file is an error at its line) and how often a change on disk is looked for.

public import Enrichment
import Foundation
import Logging

extension EnrichStageKind.Step {
    /// `geoip: {database: data/GeoLite2-City.mmdb, reload_check_s: 5}`.
    public struct GeoIPOptions: Decodable, Sendable {
        /// The database path as written (relative to the config file's directory).
        public var database: String
        /// The path the daemon opens.
        public var resolvedPath: String
        /// Seconds between looks at the file for a newer version.
        public var reloadCheckSeconds: Double
        /// The open database, following the file (opened while the config decodes).
        public var opened: ReloadingGeoIPDatabase

        enum CodingKeys: String, CodingKey {
            case database
            case reloadCheckSeconds = "reload_check_s"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            database = try container.decode(String.self, forKey: .database)
            reloadCheckSeconds = try container.decodeIfPresent(Double.self, forKey: .reloadCheckSeconds) ?? 5
            if !(reloadCheckSeconds >= 0.1 && reloadCheckSeconds <= 86400) {
                throw DecodingError.dataCorruptedError(
                    forKey: .reloadCheckSeconds, in: container, debugDescription: "must be 0.1 to 86400 seconds, got \(reloadCheckSeconds)")
            }
            let directory = decoder.userInfo[.configDirectory] as? String ?? FileManager.default.currentDirectoryPath
            resolvedPath = database.hasPrefix("/") ? database : directory + "/" + database
            let path = resolvedPath
            let logger = Logger(label: "smolhog.enrich.geoip")
            do {
                opened = try ReloadingGeoIPDatabase(
                    path: path, checkInterval: .milliseconds(Int(reloadCheckSeconds * 1000)),
                    onReload: { database in
                        logger.info("GeoIP database reloaded", metadata: ["path": .string(path), "type": .string(database.databaseType)])
                    },
                    onReloadFailure: { error in
                        logger.error(
                            "GeoIP database changed on disk but does not open; the previous one stays in use", metadata: ["error": .string("\(error)")])
                    })
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .database, in: container, debugDescription: "\(error)")
            }
        }
    }
}
