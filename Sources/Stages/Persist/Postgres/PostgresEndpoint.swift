// PostgresEndpoint: the `url:` of the postgres store, parsed once into what postgres-nio needs
// (one direct connection for migrations and probes, a pooled client for the store). Owns the
// URL rules and the password-free text used in logs and errors.

import Foundation
internal import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-full`.
/// A `host=/path` query item (or an empty host with it) connects through a Unix socket folder.
struct PostgresEndpoint: Sendable, Hashable, CustomStringConvertible {
    enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    /// Folder of the server's Unix socket, when connecting through one.
    var socketDirectory: String?
    var username: String
    var password: String?
    var database: String
    var tls: TLSMode

    init(url: String) throws {
        guard let components = URLComponents(string: url) else {
            throw StoreError(.badConfig, "url is not a URL; expected postgres://user:password@host:port/database")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError(.badConfig, "url must start with postgres:// or postgresql://")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? (socketDirectory == nil ? "" : "localhost")
        guard !host.isEmpty else { throw StoreError(.badConfig, "url has no host; expected postgres://user:password@host:port/database") }
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw StoreError(.badConfig, "url port \(port) is out of range 1...65535") }
        guard let user = components.user, !user.isEmpty else { throw StoreError(.badConfig, "url has no user name; expected postgres://user@host/database") }
        username = user
        password = components.password
        database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.badConfig, "url must name one database in its path, as in postgres://user@host:5432/smolhog")
        }
        let mode = query["sslmode"] ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: mode) else {
            throw StoreError(.badConfig, "url sslmode is '\(mode)'; expected one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.tls = tls
    }

    /// `host:port/database` (or the socket folder): never the password.
    var description: String {
        if let socketDirectory { return "\(socketDirectory)/.s.PGSQL.\(port)/\(database)" }
        return "\(host):\(port)/\(database)"
    }

    /// The same server with another database (tests and maintenance).
    func with(database: String) -> PostgresEndpoint {
        var copy = self
        copy.database = database
        return copy
    }

    var socketPath: String? { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } }

    func connectionConfiguration(connectTimeout: TimeAmount = .seconds(10)) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: username, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: try connectionTLS())
        }
        configuration.options.connectTimeout = connectTimeout
        return configuration
    }

    func clientConfiguration(pool: Int) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: username, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: clientTLS)
        }
        configuration.options.maximumConnections = pool
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Like libpq: prefer and require encrypt without checking the certificate; verify-full checks it.
        if tls != .verifyFull { configuration.certificateVerification = .none }
        return configuration
    }

    private func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        case .require, .verifyFull: .require(tlsConfiguration)
        }
    }
}

extension PostgresEndpoint {
    /// Runs `body` on one direct connection (not pooled, so it works before any client runs),
    /// then closes it. A failure to connect is `StoreError(.unavailable)`; a refusal by the
    /// server (authentication, unknown database) is `StoreError(.badConfig)`.
    func withConnection<Result: Sendable>(
        logger: Logger, connectTimeout: TimeAmount = .seconds(10), _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(connectTimeout: connectTimeout), id: 0, logger: logger)
        } catch let error as PSQLError where error.serverInfo != nil {
            // The server answered and said no (password, unknown database or role): not an outage.
            throw StoreError(.badConfig, "PostgreSQL at \(self) refused the connection: \(PostgresErrorText.describe(error))")
        } catch {
            throw StoreError(.unavailable, "cannot reach PostgreSQL at \(self): \(PostgresErrorText.describe(error))")
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
