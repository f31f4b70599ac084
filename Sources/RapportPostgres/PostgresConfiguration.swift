import Foundation
import PostgresNIO
import RapportCore

extension PostgresStore {
    /// Where the database is and how Rapport uses it, from a URL:
    ///
    ///     postgres://USER:PASSWORD@HOST:PORT/DATABASE?OPTION=VALUE&…
    ///
    /// Options (all optional):
    /// - `sslmode`: `disable`, `prefer` (the default) or `require`, as libpq spells them.
    /// - `host`: a directory holding the server's unix socket, instead of TCP (libpq's convention).
    /// - `schema`: the schema Rapport's tables live in (`public` by default); several Rapport
    ///   installations, or tests, can share a database in schemas of their own.
    /// - `pool_size`: connections this process opens at most (default 16).
    /// - `statement_timeout`: milliseconds a statement may run before the server cancels it
    ///   (default 60000; 0 for none).
    /// - `connect_timeout`: seconds to wait for a connection (default 10).
    /// - `application_name`: what `pg_stat_activity` shows (default `rapport`).
    public struct Configuration: Sendable {
        public var client: PostgresClient.Configuration
        public var schema: String
        /// libpq's sslmode (`disable`, `prefer`, `require`), for PostgreSQL's own tools.
        public var sslmode: String
        /// The URL without its password, for messages.
        public var displayURL: String

        public init(url: String) throws {
            guard let components = URLComponents(string: url),
                  let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
            else {
                throw RapportError(.configuration, "not a PostgreSQL URL (postgres://user:password@host:port/database): \(Self.redacted(url))")
            }
            var options: [String: String] = [:]
            for item in components.queryItems ?? [] { options[item.name] = item.value ?? "" }
            let known: Set = ["sslmode", "host", "schema", "pool_size", "statement_timeout", "connect_timeout",
                              "application_name"]
            if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
                throw RapportError(.configuration, "unknown option \(unknown) in the PostgreSQL URL; known: \(known.sorted().joined(separator: ", "))")
            }
            let user = components.user?.removingPercentEncoding ?? "postgres"
            let password = components.password?.removingPercentEncoding
            var database = components.path
            if database.hasPrefix("/") { database.removeFirst() }
            database = database.removingPercentEncoding ?? database
            let db = database.isEmpty ? user : database
            if let socketDirectory = options["host"], socketDirectory.hasPrefix("/") {
                let port = components.port ?? 5432
                client = PostgresClient.Configuration(
                    unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                    database: db)
            } else {
                let tls: PostgresClient.Configuration.TLS
                switch options["sslmode"] ?? "prefer" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer(.makeClientConfiguration())
                case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
                case let other: throw RapportError(.configuration, "sslmode must be disable, prefer or require, not \(other)")
                }
                let host = options["host"].flatMap { $0.isEmpty ? nil : $0 } ?? components.host ?? "127.0.0.1"
                client = PostgresClient.Configuration(
                    host: host.isEmpty ? "127.0.0.1" : host, port: components.port ?? 5432, username: user,
                    password: password, database: db, tls: tls)
            }
            sslmode = options["sslmode"] ?? "prefer"
            schema = options["schema"] ?? "public"
            guard Self.isIdentifier(schema) else {
                throw RapportError(.configuration, "schema must be lower-case letters, digits and underscores, not starting with a digit: \(schema)")
            }
            func number(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
                guard let text = options[name] else { return value }
                guard let n = Int(text), range.contains(n) else {
                    throw RapportError(.configuration, "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not \(text)")
                }
                return n
            }
            client.options.maximumConnections = try number("pool_size", default: 16, range: 1...1000)
            client.options.connectTimeout = .seconds(try number("connect_timeout", default: 10, range: 1...3600))
            let timeout = try number("statement_timeout", default: 60_000, range: 0...86_400_000)
            var parameters = [("application_name", options["application_name"] ?? "rapport"),
                              ("statement_timeout", String(timeout))]
            if schema != "public" { parameters.append(("search_path", schema)) }
            client.options.additionalStartupParameters = parameters
            displayURL = Self.redacted(url)
        }

        /// Arguments and environment for PostgreSQL's tools (`pg_dump`,
        /// `pg_restore`, `psql`) to reach the same database; the password goes
        /// in the environment (`PGPASSWORD`), not on the command line.
        public var toolConnection: (arguments: [String], environment: [String: String]) {
            var arguments = ["--username", client.username]
            var environment = ["PGSSLMODE": sslmode == "allow" ? "prefer" : sslmode, "PGAPPNAME": "rapport"]
            if let socket = client.unixSocketPath {
                let directory = (socket as NSString).deletingLastPathComponent
                let port = socket.split(separator: ".").last.map(String.init) ?? "5432"
                arguments += ["--host", directory, "--port", port]
            } else {
                arguments += ["--host", client.host ?? "127.0.0.1", "--port", String(client.port ?? 5432)]
            }
            if let database = client.database { arguments += ["--dbname", database] }
            if let password = client.password { environment["PGPASSWORD"] = password }
            return (arguments, environment)
        }

        /// Lower-case ASCII letters, digits and underscores, not starting with a
        /// digit: a name PostgreSQL does not fold or need quoted anywhere
        /// (`search_path`, `pg_dump --schema`).
        static func isIdentifier(_ s: String) -> Bool {
            guard let first = s.utf8.first, s.utf8.count <= 63 else { return false }
            func allowed(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || c == 0x5F || (c >= 0x30 && c <= 0x39) }
            return !(first >= 0x30 && first <= 0x39) && s.utf8.allSatisfy(allowed)
        }

        /// The URL with its password replaced by `***`.
        static func redacted(_ url: String) -> String {
            guard var c = URLComponents(string: url), c.password != nil else { return url }
            c.password = "***"
            return c.string ?? "postgres://…"
        }
    }
}
