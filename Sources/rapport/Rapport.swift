import ArgumentParser
import Foundation
import Logging
import RapportCore
import RapportDemo
import RapportEngine
import RapportPostgres
import RapportServer
import RapportStore

@main
struct Rapport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Rapport: a customer data and operations platform in one binary.",
        discussion: """
            Collect every customer's events (Segment-compatible HTTP API, CSV and JSONL imports), resolve them \
            into one profile per person, and look customers up in the console or the API.

            Every command works on a data directory (--data, default ./rapport-data), whether or not a \
            server is running on it.
            """,
        subcommands: [
            Serve.self, Migrate.self, Partitions.self, Backup.self, Restore.self, Export.self, Demo.self, Generate.self, Import.self, Stats.self, Workspaces.self, Segments.self, Traits.self, Tags.self, Tokens.self,
            Keys.self, Lifecycle.self, RFMCommand.self, CLVCommand.self, BasketCommand.self, Report.self, ClusterCommand.self, Clusters.self,
        ])
}

/// Options every command takes.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (SQLite database and credentials).")
    var data: String = "./rapport-data"

    @Option(name: .long, help: "Commit durability: full (survives power loss) or normal (survives a process crash).")
    var durability: String = "full"

    @Option(name: .long, help: ArgumentHelp(
        "Forget a message's id this many hours after it is logged (default: never).",
        discussion: """
            A message whose id its source already sent is a retry and is not stored again. By default ids are \
            remembered for ever (about 30 bytes of memory per logged message), so an import run twice changes \
            nothing. With N, ids are kept 1–2 × N hours (Segment keeps 24): memory stays bounded, and a retry \
            or a re-import after that is stored again.
            """))
    var dedupeHours: Int?

    @Option(name: .long, help: "A JSON config file (identity rules, order events); default DATA/config.json if present.")
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "A PostgreSQL database to keep everything in instead of SQLite (also RAPPORT_DATABASE_URL).",
        discussion: """
            postgres://USER:PASSWORD@HOST:PORT/DATABASE?OPTION=VALUE&… with the options sslmode \
            (disable, prefer, require), schema, pool_size, statement_timeout (ms), connect_timeout (s) and \
            application_name. Several servers may share one database. --data still holds config.json and \
            credentials.json. The schema is migrated on start; `rapport migrate` migrates it alone.
            """))
    var database: String?

    /// The PostgreSQL URL, from --database or RAPPORT_DATABASE_URL; nil for SQLite.
    var databaseURL: String? {
        if let database, !database.isEmpty { return database }
        let env = ProcessInfo.processInfo.environment["RAPPORT_DATABASE_URL"] ?? ""
        return env.isEmpty ? nil : env
    }

    /// The engine on this store, with the data directory's configuration.
    func makeEngine(store: any RapportStore, logger: Logger = Logger(label: "rapport")) throws -> Engine {
        let path = config ?? (data as NSString).appendingPathComponent("config.json")
        var settings = RapportConfig()
        if config != nil || FileManager.default.fileExists(atPath: path) {
            settings = try RapportConfig.load(path: path)
        }
        return Engine(store: store, identityRules: settings.identity, profileRules: settings.profiles, logger: logger)
    }

    /// Opens the store (PostgreSQL with --database, else SQLite in --data),
    /// runs `body` with it, and closes it.
    func withStore<T>(migrate: Bool = true, logger: Logger = Logger(label: "rapport"),
                      _ body: (any RapportStore) async throws -> T) async throws -> T {
        if let dedupeHours, !(1...24 * 3_660).contains(dedupeHours) {
            throw ValidationError("--dedupe-hours must be between 1 and 87840 (ten years)")
        }
        let window = dedupeHours.map { Int64($0) * 3_600_000 }
        if let url = databaseURL {
            let configuration = try PostgresStore.Configuration(url: url)
            return try await PostgresStore.withStore(configuration, dedupeWindow: window, logger: logger,
                                                     migrate: migrate, body)
        }
        guard let d = SQLiteStore.Durability(rawValue: durability) else {
            throw ValidationError("--durability must be full or normal")
        }
        return try await SQLiteStore.withStore(directory: data, durability: d, dedupeWindow: window, body)
    }

    /// Where the data is, for messages.
    var location: String {
        if let url = databaseURL, let c = try? PostgresStore.Configuration(url: url) { return c.displayURL }
        return data
    }

    var credentialsPath: String { (data as NSString).appendingPathComponent("credentials.json") }
}

enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) != 0

    static func progress(_ text: String) {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    static func endProgress() {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        return String(format: "%.2f s", Double(s) + Double(atto) / 1e18)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }
}

/// Saves first-run credentials next to the database, readable only by the owner.
enum CredentialsFile {
    static func save(_ c: SetupCredentials, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(c)
        FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
    }

    static func load(_ path: String) -> SetupCredentials? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(SetupCredentials.self, from: data)
    }

    static func describe(_ c: SetupCredentials, url: String) -> String {
        var lines = ["Console:   \(url)/   (user \(c.adminUser), password \(c.adminPassword))",
                     "API token: \(c.adminToken)   (role admin; Authorization: Bearer …)",
                     "Write keys (HTTP Basic user name, empty password):"]
        for name in c.writeKeys.keys.sorted() { lines.append("  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(c.writeKeys[name] ?? "")") }
        return lines.joined(separator: "\n")
    }
}
