import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportEngine
import RapportIngest
import RapportStore

/// `rapport segments …`: define segments, list them with their sizes, preview
/// a condition, export members. Works on the data directory whether or not a
/// server runs on it; a server picks up changed definitions within seconds.
struct Segments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Define segments, see their sizes, preview a condition, export members.",
        discussion: "Conditions are written in the condition language (docs/conditions.md), e.g.\n"
            + #"  rapport segments save shanghai_buyers --condition 'city = "上海" and count "Order Completed" within 30 days >= 2'"#,
        subcommands: [List.self, Save.self, Upload.self, Delete.self, Preview.self, Members.self, History.self])

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A segment's size per day (or hour) with entries and exits, as CSV.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "How many days back.") var days = 30
        @Flag(help: "Hourly instead of daily.") var hourly = false
        func run() async throws {
            guard (1...3_650).contains(days) else { throw ValidationError("--days is from 1 to 3650") }
            try await AudienceCLI.withAudience(options) { engine, ws in
                guard await engine.projector.segmentSize(workspaceId: ws, segment: name) != nil else {
                    throw RapportError(.notFound, "no segment \"\(name)\"")
                }
                print("at,size,entered,exited")
                for p in await engine.projector.segmentHistory(workspaceId: ws, segment: name, lastDays: days,
                                                               hourly: hourly) {
                    print("\(Timestamp.formatISO8601(p.at)),\(p.size),\(p.entered),\(p.exited)")
                }
            }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or extend a static segment from a CSV of profiles.",
            discussion: "The CSV has a header line (profile_id, identifier, user_id, email, phone, wechat_unionid, "
                + "wechat_openid or anonymous_id), then one profile per line. The list is kept as the tag list:NAME.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "The CSV file.") var file: String
        @Flag(help: "Make the file the whole list: profiles not in it leave the segment.") var replace = false
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let r = try await engine.uploadStaticSegment(name, csv: [UInt8](data), replace: replace, workspaceId: ws,
                                                             by: "cli:\(ProcessInfo.processInfo.userName)")
                let size = await engine.projector.segmentSize(workspaceId: ws, segment: name) ?? 0
                print("Static segment \"\(name)\": \(size) profiles (\(r.changed) changed, \(r.notFound.count) lines not found).")
                for line in r.notFound.prefix(20) { FileHandle.standardError.write(Data("  \(line)\n".utf8)) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List segments with their sizes.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                let records = try await engine.store.definitions(workspaceId: ws, kind: .segment)
                if records.isEmpty { print("No segments yet: rapport segments save NAME --condition '…'") }
                for r in records {
                    let size = await engine.projector.segmentSize(workspaceId: ws, segment: r.name) ?? 0
                    print("\(r.name)\t\(size)\t\(r.body)")
                }
            }
        }
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or change a segment, and print its size.")
        @OptionGroup var options: DataOptions
        @Argument(help: "The segment's name.") var name: String
        @Option(help: "Who the segment means, in the condition language.") var condition: String
        @Option(help: "What it is for.") var description = ""
        func run() async throws {
            try await AudienceCLI.withAudience(options, text: condition) { engine, ws in
                try await engine.saveDefinition(workspaceId: ws, kind: .segment, name: name, body: condition,
                                                description: description)
                let size = await engine.projector.segmentSize(workspaceId: ws, segment: name) ?? 0
                let total = await engine.projector.profileCounts(workspaceId: ws).live
                print("Saved segment \"\(name)\": \(size) of \(total) profiles.")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a segment (refused while another refers to it).")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        func run() async throws {
            try await AudienceCLI.withAudience(options, evaluate: false) { engine, ws in
                try await engine.deleteDefinition(workspaceId: ws, kind: .segment, name: name)
                print("Deleted segment \"\(name)\".")
            }
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many profiles a condition means, without saving it.")
        @OptionGroup var options: DataOptions
        @Option(help: "A condition.") var condition: String
        func run() async throws {
            try await AudienceCLI.withAudience(options, text: condition) { engine, ws in
                let c = try Condition.parse(condition)
                let matching = try await engine.projector.preview(c, workspaceId: ws)
                let total = await engine.projector.profileCounts(workspaceId: ws).live
                print("\(matching.count) of \(total) profiles: \(c)")
            }
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a segment's members as CSV or JSON Lines.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "Traits and computed traits to export, comma-separated (and `segments`).") var traits = ""
        @Option(help: "csv or jsonl.") var format = "csv"
        @Option(help: "Write here instead of standard output.") var out: String?
        func run() async throws {
            guard format == "csv" || format == "jsonl" else { throw ValidationError("--format is csv or jsonl") }
            let columns = traits.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            try await AudienceCLI.withAudience(options) { engine, ws in
                guard let rows = await engine.segmentRows(workspaceId: ws, segment: name, columns: columns)?.rows else {
                    throw RapportError(.notFound, "no segment \"\(name)\"")
                }
                var text = format == "csv" ? CSVText.line(["profile_id"] + columns) : ""
                for row in rows {
                    if format == "csv" {
                        text += CSVText.line((["profile_id"] + columns).map { row[$0].map(CSVText.cell) ?? "" })
                    } else {
                        text += String(decoding: JSONValue.object(row).serialized(), as: UTF8.self) + "\n"
                    }
                }
                if let out {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out))
                    FileHandle.standardError.write(Data("Wrote \(rows.count) members to \(out).\n".utf8))
                } else {
                    print(text, terminator: "")
                }
            }
        }
    }
}

/// `rapport traits …`: computed traits.
struct Traits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Define computed traits (lifetime revenue, orders in 30 days, favourite category, …).",
        discussion: "e.g. rapport traits save lifetime_revenue --expression 'sum revenue of \"Order Completed\"'",
        subcommands: [List.self, Save.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List computed traits.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options, evaluate: false) { engine, ws in
                for r in try await engine.store.definitions(workspaceId: ws, kind: .trait) { print("\(r.name)\t\(r.body)") }
            }
        }
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or change a computed trait.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "What it computes, e.g. count \"Order Completed\" within 30 days.") var expression: String
        @Option var description = ""
        func run() async throws {
            try await AudienceCLI.withAudience(options, text: expression) { engine, ws in
                let d = try await engine.saveDefinition(workspaceId: ws, kind: .trait, name: name, body: expression,
                                                        description: description)
                print("Saved computed trait \"\(name)\": \(d.body)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a computed trait.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        func run() async throws {
            try await AudienceCLI.withAudience(options, evaluate: false) { engine, ws in
                try await engine.deleteDefinition(workspaceId: ws, kind: .trait, name: name)
                print("Deleted computed trait \"\(name)\".")
            }
        }
    }
}

enum AudienceCLI {
    /// Runs `body` on the data directory's default workspace, with (when
    /// `evaluate`) the projection as the log stands and the definitions
    /// evaluated. A condition error is printed under the text it is about.
    static func withAudience(_ options: DataOptions, text: String? = nil, evaluate: Bool = true,
                             _ body: (Engine, WorkspaceID) async throws -> Void) async throws {
        var failure: String?
        try await options.withStore { store in
            let engine = try options.makeEngine(store: store)
            do {
                let ws = try await engine.defaultWorkspace().id
                if evaluate {
                    // The last flush, then what the log holds since (a running server flushes every few seconds).
                    try await engine.projector.load()
                    try await engine.projector.catchUp()
                    try await engine.projector.applyStoredDefinitionsIfChanged()
                }
                try await body(engine, ws)
            } catch let e as ConditionError {
                failure = describe(e, in: text)
            } catch let e as RapportError {
                failure = e.message
            }
        }
        if let failure { Terminal.fail(failure) }
    }

    /// The error, and the line it is on with a caret under the column.
    static func describe(_ e: ConditionError, in text: String?) -> String {
        guard let text, e.line > 0 else { return "\(e.code): \(e.message)" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard e.line <= lines.count else { return "\(e.code): \(e.message)" }
        let line = lines[e.line - 1]  // trap-ok: 1 ≤ line ≤ count
        let pad = String(line.prefix(max(0, e.column - 1)).map { $0.isASCII ? " " : "  " }.joined())
        return "\(e.code) at line \(e.line), column \(e.column): \(e.message)\n  \(line)\n  \(pad)^"
    }
}
