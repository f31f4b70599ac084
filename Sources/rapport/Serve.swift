import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RapportCore
import RapportDemo
import RapportEngine
import RapportPostgres
import RapportServer
import RapportStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: HTTP API, console, ingestion and projections.")

    @OptionGroup var options: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Set up a demo workspace and load the demo business on first start.") var demo = false
    @Option(help: "Customers in the demo data set.") var demoCustomers = 2_000
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Log format: text, or json (one JSON object per line on standard error).") var logFormat = "text"

    func run() async throws {
        switch logFormat {
        case "text": break
        case "json": LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        default: throw ValidationError("--log-format must be text or json")
        }
        var logger = Logger(label: "rapport")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        try await options.withStore(logger: logger) { store in
            let engine = try options.makeEngine(store: store, logger: logger)
            let (workspace, created) = try await engine.setUp(workspaceName: demo ? "demo" : "default")
            let url = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
            if let created { try CredentialsFile.save(created, to: options.credentialsPath) }
            if demo, try await store.lastSeq() == 0 {
                print("Loading the demo business (\(demoCustomers) customers)…")
                let config = DemoConfig(customers: demoCustomers, days: 180, seed: 42,
                                        endMillis: Self.startOfToday(engine.clock.nowMillis()))
                // Projected as it loads (the server then starts from the flushed projection).
                let (report, _) = try await engine.withLocalProjection {
                    try await engine.loadDemo(workspaceId: workspace.id, config: config) { n in
                        Terminal.progress("  \(n) messages")
                    }
                }
                Terminal.endProgress()
                try await engine.saveDemoDefinitions(workspaceId: workspace.id)
                try await engine.saveDemoClusters(workspaceId: workspace.id)
                print("Loaded \(report.appended) events (\(report.rejected) rejected), with a lifecycle model, segments, "
                    + "computed traits, RFM, clusters and a tag to look at.")
            }
            if demo || created != nil, let c = created ?? CredentialsFile.load(options.credentialsPath) {
                print(CredentialsFile.describe(c, url: url))
                if created != nil && !demo { print("These credentials are shown once; a copy is in \(options.credentialsPath).") }
            }
            print("Rapport is serving \(options.location) on \(url)  (Ctrl-C to stop)")
            fflush(nil)  // all output streams: when stdout is a file or a pipe (systemd, docker), show this now, not at exit
            let app = buildApplication(engine: engine, configuration: ServerConfiguration(host: host, port: port),
                                       logger: logger)
            try await app.runService()
        }
    }

    static func startOfToday(_ now: Int64) -> Int64 { now - now % 86_400_000 }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate the database's schema to this version and exit (servers also migrate on start).")

    @OptionGroup var options: DataOptions

    func run() async throws {
        if options.databaseURL != nil {
            try await options.withStore { _ in }
            print("The PostgreSQL schema at \(options.location) is at version \(PostgresStore.schemaVersion).")
        } else {
            try await options.withStore { _ in }
            print("The SQLite databases in \(options.data) are migrated.")
        }
    }
}

struct Partitions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, or change, how the projection's writing is divided among servers.",
        discussion: """
            Workspaces fall into partitions (a workspace's is its id modulo the count); each partition is \
            written by one server at a time, and servers share them out. With a count, the whole log is \
            projected and flushed, and the partitions all start from there: stop the servers first.
            """)
    @OptionGroup var options: DataOptions
    @Argument(help: "The new number of partitions (1 to \(ProjectionPartitions.maximum)).") var count: Int?

    func run() async throws {
        try await options.withStore { store in
            if let count {
                let engine = try options.makeEngine(store: store)
                let done = try await engine.repartitionProjection(count: count)
                print("The projection had \(done.from) partition(s) and now has \(done.to), all from log position "
                      + "\(done.checkpoint).")
            }
            let checkpoints = try await store.projectionCheckpoints()
            let leases = try await store.leases(now: SystemClock().nowMillis())
            print("Partitions: \(checkpoints.count)")
            for (p, checkpoint) in checkpoints.enumerated() {
                let name = ProjectionPartitions.leaseName(p, count: checkpoints.count)
                let writer = leases.first { $0.name == name }?.owner ?? "none"
                print("  \(p): checkpoint \(checkpoint), written by \(writer)")
            }
            let members = leases.filter { $0.name.hasPrefix("member:") }.map(\.owner)
            if !members.isEmpty { print("Servers: \(members.joined(separator: ", "))") }
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the store's workspaces, credentials, definitions and log to a file, for rapport import store.",
        discussion: """
            To move to PostgreSQL: rapport export --to all.jsonl, then rapport import store all.jsonl \
            --database postgres://…; while the old server still takes events, export again with \
            --after <the position printed> and import that too, until you switch. The file holds credential \
            hashes and every event: keep it as private as the data directory.
            """)
    @OptionGroup var options: DataOptions
    @Option(help: "The file to write (JSON Lines).") var to: String
    @Option(help: "Only events after this log position (a later pass of a move).") var after: Int64 = 0

    func run() async throws {
        let start = ContinuousClock.now
        let report = try await options.withStore { store in
            try await StoreTransfer.export(store, to: to, after: after) { n in Terminal.progress("  \(n) events") }
        }
        Terminal.endProgress()
        print("Exported \(report.events) events (positions \(after + 1) to \(report.through)) and the workspaces, "
              + "credentials and definitions to \(to) in \(Terminal.seconds(start.duration(to: .now))).")
        print("Next pass: rapport export --after \(report.through) --to FILE")
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo business into a data directory through the ingest pipeline.")

    @OptionGroup var options: DataOptions
    @Option(help: "Number of customers (1,000 to 1,000,000).") var customers = 2_000
    @Option(help: "Days of history.") var days = 180
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 42

    func run() async throws {
        try await options.withStore { store in
            let engine = try options.makeEngine(store: store)
            let (workspace, created) = try await engine.setUp(workspaceName: "demo")
            if let created {
                try CredentialsFile.save(created, to: options.credentialsPath)
                print(CredentialsFile.describe(created, url: "http://127.0.0.1:8080"))
            }
            let start = ContinuousClock.now
            let config = DemoConfig(customers: customers, days: days, seed: seed,
                                    endMillis: Serve.startOfToday(engine.clock.nowMillis()))
            let (report, projecting) = try await engine.withLocalProjection {
                try await engine.loadDemo(workspaceId: workspace.id, config: config) { n in
                    Terminal.progress("  \(n) messages")
                }
            }
            Terminal.endProgress()
            print("Demo: \(report.rows) messages, \(report.appended) appended, \(report.duplicates) already there, "
                  + "\(report.rejected) rejected, in \(Terminal.seconds(start.duration(to: .now))).")
            if !projecting { print("A running server holds the projection; it will project these events.") }
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the demo business as Segment messages (JSONL) for load tests.")

    @Option(help: "Number of customers.") var customers = 1_000
    @Option(help: "Days of history.") var days = 180
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Output file (JSON Lines).") var out: String
    @Option(help: "End of the data set (YYYY-MM-DD); default today.") var end: String?

    func run() throws {
        var endMillis = Serve.startOfToday(SystemClock().nowMillis())
        if let end {
            guard let t = Timestamp.parseISO8601(end) else { throw ValidationError("--end must be YYYY-MM-DD") }
            endMillis = t
        }
        guard FileManager.default.createFile(atPath: out, contents: nil),
            let handle = FileHandle(forWritingAtPath: out)
        else { throw ValidationError("cannot write \(out)") }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 22)
        var count = 0
        try DemoGenerator(config: DemoConfig(customers: customers, days: days, seed: seed, endMillis: endMillis))
            .generate { m in
                buffer.append(contentsOf: m.json)
                buffer.append(0x0A)
                count += 1
                if buffer.count >= 1 << 22 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                    Terminal.progress("  \(count) messages")
                }
            }
        try handle.write(contentsOf: buffer)
        Terminal.endProgress()
        print("Wrote \(count) messages to \(out).")
    }
}
