import ArgumentParser
import Foundation
import RapportCore
import RapportEngine
import RapportStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import events, contacts or orders through the ingest pipeline.",
        discussion: """
            Imports dedupe: importing the same file twice changes nothing (unless --dedupe-hours is set and \
            the first import is older than that). Rows that cannot be imported are \
            written with their line number and reason to FILE.rejects.csv; the import goes on.
            """,
        subcommands: [Events.self, Contacts.self, Orders.self, StoreFile.self])

    struct Common: ParsableArguments {
        @OptionGroup var options: DataOptions
        @Option(help: "The source the data is recorded under (created if missing).") var source = "import"
        @Option(help: "Column mapping FIELD=Header,… (e.g. email=Email,phone=Mobile,user_id=CustomerID).")
        var map: String?

        func parsedMap() throws -> Importer.ColumnMap { try parseColumnMap(map) }

        func run(_ path: String, _ body: (Importer) async throws -> ImportReport) async throws {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no file at \(path)") }
            try await options.withStore { store in
                let engine = try options.makeEngine(store: store)
                let workspace = try await engine.defaultWorkspace()
                let src = try await engine.source(named: source, workspaceId: workspace.id)
                let start = ContinuousClock.now
                let importer = Importer(engine: engine, source: src, inputPath: path) { r in
                    Terminal.progress("  \(r.rows) rows, \(r.appended) new, \(r.duplicates) already there, \(r.rejected) rejected")
                }
                let (report, projecting) = try await engine.withLocalProjection { try await body(importer) }
                Terminal.endProgress()
                let elapsed = start.duration(to: .now)
                print("\(report.rows) rows: \(report.appended) new events, \(report.duplicates) already there, "
                      + "\(report.rejected) rejected, in \(Terminal.seconds(elapsed)).")
                if let r = report.rejectsPath { print("Rejected rows and reasons: \(r)") }
                if !projecting { print("A running server holds the projection; it will project these events.") }
            }
        }
    }

    /// `rapport import store FILE`: an export of another store (`rapport export`).
    struct StoreFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Import an export of another store (rapport export): workspaces, credentials, definitions, the log.",
            discussion: """
                Into an empty store the workspaces, sources and credentials keep their ids and every event its \
                position; into the store of an earlier pass, what is new is added (an event imported twice is \
                stored once). Profiles are projected from the log by the next server to start, or by \
                `rapport stats`-style commands as they run.
                """)
        @OptionGroup var options: DataOptions
        @Argument(help: "A file written by rapport export.") var file: String

        func run() async throws {
            let start = ContinuousClock.now
            let report = try await options.withStore { store in
                try await StoreTransfer.importExport(from: file, into: store) { r in
                    Terminal.progress("  \(r.events) events, \(r.appended) new, \(r.duplicates) already there")
                }
            }
            Terminal.endProgress()
            print("\(report.events) events: \(report.appended) new, \(report.duplicates) already there, in "
                  + "\(Terminal.seconds(start.duration(to: .now))); the export was through position \(report.through).")
            print(report.adminRestored ? "Workspaces, sources, credentials and definitions restored with their ids."
                  : "Workspaces and sources matched; credentials and definitions brought up to date.")
            if report.appended > 0 && !report.positionsKept {
                print("Note: the events got positions other than in the exported store (the target had events of its own).")
            }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import Segment messages, one JSON object per line.")
        @OptionGroup var common: Common
        @Argument(help: "A JSON Lines file.") var file: String
        func run() async throws {
            try await common.run(file) { try await $0.importJSONL(path: file) }
        }
    }

    struct Contacts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import contacts from CSV: one identify per row.")
        @OptionGroup var common: Common
        @Argument(help: "A CSV file with a header line.") var file: String
        func run() async throws {
            let map = try common.parsedMap()
            try await common.run(file) { try await $0.importContacts(path: file, map: map) }
        }
    }

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import orders from CSV (or the CDNOW data set): one Order Completed per row.")
        @OptionGroup var common: Common
        @Option(help: "csv (with --map) or cdnow (CDNOW_master.txt or CDNOW_sample.txt).") var format = "csv"
        @Argument(help: "The file.") var file: String
        func run() async throws {
            switch format {
            case "cdnow": try await common.run(file) { try await $0.importCDNOW(path: file) }
            case "csv":
                let map = try common.parsedMap()
                try await common.run(file) { try await $0.importOrders(path: file, map: map) }
            default: throw ValidationError("--format must be csv or cdnow")
            }
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print what a data directory holds.")
    @OptionGroup var options: DataOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let s = try await options.withStore { store in try await store.stats(workspaceId: nil) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(s), as: UTF8.self))
        } else {
            print("Profiles:     \(s.liveProfiles) (\(s.profiles - s.liveProfiles) merged into others)")
            print("Identifiers:  " + s.identifiersByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
            print("Events:       \(s.events)")
            for (name, n) in s.eventsByType.sorted(by: { $0.value > $1.value }).prefix(20) {
                print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(n)")
            }
            print("By source:    " + s.eventsBySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
            print("Orders:       \(s.orders)")
            print("Revenue:      \(String(format: "%.2f", s.revenue))")
            print("Merges:       \(s.merges) (\(s.undoneMerges) undone)")
            print("Identity warnings: \(s.identityWarnings)")
            if s.checkpoint < s.lastSeq {
                print("Projection:   \(s.lastSeq - s.checkpoint) events not projected yet")
            }
        }
    }
}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token and print it (shown once).")
        @OptionGroup var options: DataOptions
        @Option(help: "admin, analyst, operator or support.") var role: String
        @Option(help: "A name to recognise the token by.") var name = "cli"

        func run() async throws {
            guard let r = Role(rawValue: role) else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try await options.withStore { store in
                let engine = Engine(store: store)
                let ws = try await engine.defaultWorkspace()
                print(try await engine.createToken(workspaceId: ws.id, role: r, name: name))
            }
        }
    }
}

struct Workspaces: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the workspaces, or create one.", subcommands: [List.self, Create.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the workspaces (id, name).")
        @OptionGroup var options: DataOptions

        func run() async throws {
            try await options.withStore { store in
                for ws in try await store.workspaces() { print("\(ws.id)\t\(ws.name)") }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a workspace with the default sources, and print its credentials (shown once).")
        @OptionGroup var options: DataOptions
        @Argument(help: "The workspace's name.") var name: String
        @Flag(help: "Print the credentials as JSON.") var json = false

        func run() async throws {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 100 else { throw ValidationError("a workspace name is 1 to 100 characters") }
            try await options.withStore { store in
                let engine = Engine(store: store)
                let (ws, created) = try await engine.setUp(workspaceName: trimmed)
                guard let created else { throw ValidationError("a workspace named \(trimmed) exists already (id \(ws.id))") }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(created), as: UTF8.self))
                } else {
                    print("Workspace \(ws.id): \(trimmed)")
                    for (source, key) in created.writeKeys.sorted(by: { $0.key < $1.key }) { print("  write key \(source): \(key)") }
                    print("  console: \(created.adminUser) / \(created.adminPassword)")
                    print("  admin API token: \(created.adminToken)")
                }
            }
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage source write keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a write key for a source and print it (shown once).")
        @OptionGroup var options: DataOptions
        @Option(help: "The source (created if missing).") var source: String

        func run() async throws {
            try await options.withStore { store in
                let engine = Engine(store: store)
                let ws = try await engine.defaultWorkspace()
                let s = try await engine.source(named: source, workspaceId: ws.id)
                print(try await engine.createWriteKey(source: s))
            }
        }
    }
}

/// A `--map FIELD=Header,…` option as a dictionary.
func parseColumnMap(_ map: String?) throws -> [String: String] {
    var out: [String: String] = [:]
    guard let map, !map.isEmpty else { return out }
    for pair in map.split(separator: ",") {
        let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingASCIIWhitespace() }
        guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {  // trap-ok: count checked
            throw ValidationError("--map entries are FIELD=Header, got \"\(pair)\"")
        }
        out[kv[0]] = kv[1]  // trap-ok: count checked
    }
    return out
}
