import ArgumentParser
import Foundation
import RapportCore
import RapportPostgres
import RapportStore

/// `rapport backup` and `rapport restore`, for either store.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the store while it runs: a copy of the data directory, or a pg_dump of the PostgreSQL schema.",
        discussion: """
            SQLite: DIR becomes a data directory of its own (online SQLite backups of the two databases, then \\
            the log's segment files, then config.json and credentials.json), which `rapport serve --data DIR` \\
            opens as it is. PostgreSQL: pg_dump's custom format of the schema into DIR/rapport.pgdump (plus \\
            config.json), consistent in one snapshot; pg_dump must be installed (Debian: postgresql-client).
            """)
    @OptionGroup var options: DataOptions
    @Option(help: "A new directory for the backup.") var to: String

    func run() async throws {
        let start = ContinuousClock.now
        if let url = options.databaseURL {
            let configuration = try PostgresStore.Configuration(url: url)
            try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
            let file = (to as NSString).appendingPathComponent("rapport.pgdump")
            if FileManager.default.fileExists(atPath: file) { throw ValidationError("\(file) exists: back up into a new directory") }
            try PostgresTools.run("pg_dump", configuration,
                                  ["--format=custom", "--schema=\(configuration.schema)", "--file=\(file)"])
            try copyConfig(to: to)
            print("Backed up the schema \(configuration.schema) of \(configuration.displayURL) to \(file) in "
                  + "\(Terminal.seconds(start.duration(to: .now))). Restore: rapport restore --from \(to) --database URL")
            return
        }
        let report = try await options.withStore { store in
            guard let sqlite = store as? SQLiteStore else { throw ValidationError("not a SQLite store") }
            return try await sqlite.backup(to: to)
        }
        try copyConfig(to: to)
        print("Backed up \(options.data) to \(to): the log through position \(report.lastSeq), the projection "
              + "through \(report.checkpoint), \(report.segmentBytes / 1_048_576) MiB of segments, in "
              + "\(Terminal.seconds(start.duration(to: .now))).")
    }

    /// Copies the data directory's config.json and credentials.json (0600) along.
    func copyConfig(to directory: String) throws {
        for name in ["config.json", "credentials.json"] {
            let from = (options.data as NSString).appendingPathComponent(name)
            let to = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: from), !FileManager.default.fileExists(atPath: to) else { continue }
            try FileManager.default.copyItem(atPath: from, toPath: to)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: to)
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup made by rapport backup into an empty data directory or database.",
        discussion: """
            SQLite: copies the backup into --data, which must not hold a store. PostgreSQL: pg_restore of \\
            DIR/rapport.pgdump into the database of --database, into the schema it was dumped from, which must \\
            not exist there yet. Start the server afterwards; it replays what the projection had not flushed.
            """)
    @OptionGroup var options: DataOptions
    @Option(help: "The backup directory.") var from: String

    func run() async throws {
        let fm = FileManager.default
        if let url = options.databaseURL {
            let configuration = try PostgresStore.Configuration(url: url)
            let file = (from as NSString).appendingPathComponent("rapport.pgdump")
            guard fm.fileExists(atPath: file) else { throw ValidationError("no rapport.pgdump in \(from)") }
            var arguments = ["--no-owner", "--exit-on-error"]
            let listFile = NSTemporaryDirectory() + "rapport-restore-\(UUID().uuidString).list"
            defer { try? FileManager.default.removeItem(atPath: listFile) }
            if configuration.schema == "public" {
                // pg_dump --schema=public writes CREATE SCHEMA public, which every database has already:
                // restore everything but that entry.
                let list = try PostgresTools.run("pg_restore", nil, ["--list", file])
                let kept = String(decoding: list, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !($0.contains(" SCHEMA ") && $0.contains(" public ")) }
                try Data(kept.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: listFile))
                arguments += ["--use-list=\(listFile)"]
            }
            try PostgresTools.run("pg_restore", configuration, arguments + [file])
            // The restored schema must be one this build can run on.
            try await PostgresStore.withStore(configuration, migrate: false) { store in
                print("Restored \(file) into \(configuration.displayURL): the log holds \(try await store.lastSeq()) events.")
            }
            return
        }
        guard fm.fileExists(atPath: (from as NSString).appendingPathComponent("rapport.sqlite")) else {
            throw ValidationError("\(from) is not a SQLite backup (no rapport.sqlite)")
        }
        if fm.fileExists(atPath: (options.data as NSString).appendingPathComponent("rapport.sqlite")) {
            throw ValidationError("\(options.data) already holds a store: restore into a new data directory")
        }
        try fm.createDirectory(atPath: options.data, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: from) {
            let target = (options.data as NSString).appendingPathComponent(name)
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            try fm.copyItem(atPath: (from as NSString).appendingPathComponent(name), toPath: target)
        }
        let last = try await options.withStore { store in try await store.lastSeq() }
        print("Restored \(from) into \(options.data): the log holds \(last) events.")
    }
}

/// PostgreSQL's command-line tools, found on PATH or in Debian's versioned directories.
enum PostgresTools {
    static func find(_ tool: String) -> String? {
        let fm = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        let versions = (try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let candidate = "/usr/lib/postgresql/\(v)/bin/\(tool)"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a tool against the configured database (or none, for `pg_restore --list`); its output.
    @discardableResult
    static func run(_ tool: String, _ configuration: PostgresStore.Configuration?, _ extra: [String]) throws -> Data {
        guard let path = find(tool) else {
            throw RapportError(.configuration, "\(tool) is not installed (Debian: apt-get install postgresql-client)")
        }
        let (arguments, environment) = configuration?.toolConnection ?? ([], [:])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + extra
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Errors go to a file, output to a pipe read to its end: neither can fill up and stall the tool.
        let errorsPath = NSTemporaryDirectory() + "rapport-\(tool)-\(UUID().uuidString).err"
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
              let errors = FileHandle(forWritingAtPath: errorsPath)
        else { throw RapportError(.storage, "cannot create a temporary file for \(tool)'s errors") }
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        let output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let collected = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let message = FileManager.default.contents(atPath: errorsPath) ?? Data()
        guard process.terminationStatus == 0 else {
            throw RapportError(.storage, "\(tool) failed (exit \(process.terminationStatus)): "
                               + String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return collected
    }
}
