import Foundation
import RapportCore
import RapportIngest
import RapportStore

/// What an import did.
public struct ImportReport: Sendable {
    public var rows = 0
    public var appended = 0
    public var duplicates = 0
    public var rejected = 0
    public var rejectsPath: String?
}

/// Imports files through the same pipeline as HTTP: each row becomes a
/// Segment message, is validated by the same decoder, appended to the log
/// (dedupe included: importing a file twice changes nothing) and projected.
///
/// Rows that cannot be imported are written, with their line number and the
/// reason, to a rejects file next to the input; the import goes on.
public final class Importer {
    let engine: Engine
    let source: Source
    let batchSize: Int
    var progress: ((ImportReport) -> Void)?
    var pending: [Message] = []
    var report = ImportReport()
    var rejects: FileHandle?
    let rejectsPath: String

    public init(engine: Engine, source: Source, inputPath: String, batchSize: Int = 10_000,
                progress: ((ImportReport) -> Void)? = nil) {
        self.engine = engine
        self.source = source
        self.batchSize = batchSize
        self.progress = progress
        self.rejectsPath = inputPath + ".rejects.csv"
    }

    // MARK: - Formats

    /// Segment messages, one JSON object per line.
    public func importJSONL(path: String) async throws -> ImportReport {
        try await FileChunks(path: path).forEachLineBatch { lines in
            for (line, n) in lines {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                report.rows += 1
                do {
                    try await add(engine.decoder.decodeLine(line, receivedAt: engine.clock.nowMillis()))
                } catch let e as RapportError {
                    try reject(line: n, reason: e, raw: String(decoding: line.prefix(500), as: UTF8.self))
                }
            }
        }
        return try await finish()
    }

    /// A column mapping: Rapport field → CSV header.
    public typealias ColumnMap = [String: String]

    /// Contacts: one identify per row. Mapped identifier fields (`user_id`,
    /// `email`, `phone`, `wechat_unionid`, `wechat_openid`, `anonymous_id`)
    /// identify the person; every other column becomes a trait named after the
    /// mapping key or, unmapped, after its header.
    public func importContacts(path: String, map: ColumnMap) async throws -> ImportReport {
        try await importCSV(path: path) { header, fields, line in
            var traits: [String: JSONValue] = [:]
            var userId: String?
            var anonymousId: String?
            let byHeader = Self.invert(map)
            for (i, name) in header.enumerated() where i < fields.count {
                let value = fields[i].trimmingASCIIWhitespace()  // trap-ok: i < fields.count
                if value.isEmpty { continue }
                let key = byHeader[name] ?? Self.traitName(name)
                switch key {
                case "user_id": userId = value
                case "anonymous_id": anonymousId = value
                default: traits[key] = Self.traitValue(value)
                }
            }
            if userId == nil && anonymousId == nil {
                let keys = ["email", "phone", "wechat_unionid", "wechat_openid"].compactMap { traits[$0]?.stringValue }
                guard let first = keys.first else {
                    throw RapportError(.missingIdentity, "the row has no user_id, email, phone or WeChat id")
                }
                anonymousId = "import:" + first
            }
            var msg: [String: JSONValue] = [
                "type": .string("identify"), "traits": .object(traits),
                "messageId": .string("import-contact-\(Self.rowKey(fields))"),
            ]
            if let userId { msg["userId"] = .string(userId) }
            if let anonymousId { msg["anonymousId"] = .string(anonymousId) }
            _ = line
            return .object(msg)
        }
    }

    /// Orders: one `Order Completed` per row. Map `user_id` / `email` / `phone`
    /// (who), `order_id`, `timestamp` (ISO 8601 or YYYYMMDD), `revenue`,
    /// `quantity`, `product_id`, `category`, `currency`; other columns become
    /// order properties.
    public func importOrders(path: String, map: ColumnMap) async throws -> ImportReport {
        try await importCSV(path: path) { header, fields, line in
            let byHeader = Self.invert(map)
            var props: [String: JSONValue] = [:]
            var who: [String: String] = [:]
            var time: Int64?
            for (i, name) in header.enumerated() where i < fields.count {
                let value = fields[i].trimmingASCIIWhitespace()  // trap-ok: i < fields.count
                if value.isEmpty { continue }
                let key = byHeader[name] ?? Self.traitName(name)
                switch key {
                case "user_id", "email", "phone", "anonymous_id", "wechat_unionid", "wechat_openid": who[key] = value
                case "timestamp", "date":
                    guard let t = Timestamp.parseISO8601(value) ?? Timestamp.parseYYYYMMDD(value) else {
                        throw RapportError(.invalidTimestamp, "cannot read the date \"\(value)\"")
                    }
                    time = t
                default: props[key] = Self.traitValue(value)
                }
            }
            guard let time else { throw RapportError(.invalidTimestamp, "the row has no date") }
            let orderKey = props["order_id"]?.identifierString ?? "line\(line)-\(Self.rowKey(fields))"
            var msg: [String: JSONValue] = [
                "type": .string("track"), "event": .string("Order Completed"), "properties": .object(props),
                "timestamp": .string(Timestamp.formatISO8601(time)),
                "messageId": .string("import-order-\(orderKey)"),
            ]
            var traits: [String: JSONValue] = [:]
            for k in ["email", "phone", "wechat_unionid", "wechat_openid"] { if let v = who[k] { traits[k] = .string(v) } }
            if !traits.isEmpty { msg["context"] = .object(["traits": .object(traits)]) }
            if let u = who["user_id"] {
                msg["userId"] = .string(u)
            } else if let a = who["anonymous_id"] ?? traits.values.first?.stringValue.map({ "import:" + $0 }) {
                msg["anonymousId"] = .string(a)
            } else {
                throw RapportError(.missingIdentity, "the row has no user_id, email, phone or WeChat id")
            }
            return .object(msg)
        }
    }

    /// The CDNOW data set (Fader & Hardie): the master file (`id date cds
    /// dollars`, header line) or the 1/10 sample (`master-id sample-id date cds
    /// dollars`). Each row is an `Order Completed` for user `cdnow-<id>`.
    public func importCDNOW(path: String) async throws -> ImportReport {
        try await FileChunks(path: path).forEachLineBatch { rows in
            for (line, n) in rows {
                let parsed: (customer: Int64, day: Int, cds: Int64, cents: Int64)?
                do throws(RapportError) {
                    parsed = try PurchaseLine.cdnow(line, mayBeHeader: n == 1)
                } catch {
                    report.rows += 1
                    try reject(line: n, reason: error, raw: String(decoding: line.prefix(500), as: UTF8.self))
                    continue
                }
                guard let p = parsed else { continue }  // blank, or the header
                report.rows += 1
                let row = CDNOWRow(customer: String(p.customer), date: Int64(p.day) * Timestamp.millisPerDay,  // trap-ok: |day| < 3e6
                                   cds: p.cds, dollars: Double(p.cents) / 100)
                do {
                    try await add(engine.decoder.decodeLine(row.message(line: n), receivedAt: engine.clock.nowMillis()))
                } catch let e as RapportError {
                    try reject(line: n, reason: e, raw: String(decoding: line.prefix(500), as: UTF8.self))
                }
            }
        }
        return try await finish()
    }

    // MARK: - Machinery

    func importCSV(path: String, row: ([String], [String], Int) throws -> JSONValue) async throws -> ImportReport {
        var records: [CSVReader.Record] = []
        var reader = CSVReader()
        try FileChunks(path: path).forEach { chunk in reader.feed(chunk) { records.append($0) } }
        reader.finish { records.append($0) }
        var header: [String]?
        for record in records {
            switch record {
            case .error(let e, let line):
                report.rows += 1
                try reject(line: line, reason: e, raw: "")
            case .fields(let fields, let line):
                guard let h = header else {
                    header = fields.map { $0.trimmingASCIIWhitespace() }
                    continue
                }
                report.rows += 1
                do {
                    let json = try row(h, fields, line)
                    try await add(engine.decoder.decodeLine(json.serialized(), receivedAt: engine.clock.nowMillis()))
                } catch let e as RapportError {
                    try reject(line: line, reason: e, raw: fields.joined(separator: ","))
                }
            }
        }
        return try await finish()
    }

    func add(_ message: Message) async throws {
        pending.append(message)
        if pending.count >= batchSize { try await flushPending() }
    }

    func flushPending() async throws {
        if pending.isEmpty { return }
        let (appended, duplicates) = try await engine.appendDirect(pending, source: source)
        report.appended += appended
        report.duplicates += duplicates
        pending.removeAll(keepingCapacity: true)
        progress?(report)
    }

    func reject(line: Int, reason: RapportError, raw: String) throws {
        report.rejected += 1
        if rejects == nil {
            // A rejected row that cannot be written down would be lost silently: stop the import instead.
            guard FileManager.default.createFile(atPath: rejectsPath, contents: Data("line,code,reason,row\n".utf8)),
                let handle = FileHandle(forWritingAtPath: rejectsPath)
            else {
                throw RapportError(.storage, "cannot write the rejects file \(rejectsPath); rejected rows would be lost")
            }
            try handle.seekToEnd()
            rejects = handle
            report.rejectsPath = rejectsPath
        }
        let fields = ["\(line)", reason.code.rawValue, reason.message, raw].map(Self.csvField)
        try rejects?.write(contentsOf: Data((fields.joined(separator: ",") + "\n").utf8))
    }

    func finish() async throws -> ImportReport {
        try await flushPending()
        try? rejects?.close()
        rejects = nil
        return report
    }

    static func csvField(_ s: String) -> String {
        if s.contains(",") || s.contains("\"") || s.contains("\n") {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func invert(_ map: ColumnMap) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in map { out[v] = k }
        return out
    }

    /// A header as a trait name: lower-cased, spaces to underscores.
    static func traitName(_ header: String) -> String {
        header.trimmingASCIIWhitespace().lowercased().replacingOccurrences(of: " ", with: "_")
    }

    /// Numbers and booleans as such, everything else as text.
    static func traitValue(_ s: String) -> JSONValue {
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let d = Double(s), d.isFinite, s.first.map({ $0 != "0" || s.count == 1 || s.hasPrefix("0.") }) ?? false {
            return .number(d)
        }
        return .string(s)
    }

    /// A stable key for a row (FNV-1a of its fields), for deterministic message ids.
    static func rowKey(_ fields: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for f in fields {
            for b in f.utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
            h ^= 0x1F
            h = h &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}

/// One row of the CDNOW files, as read by ``PurchaseLine/cdnow(_:mayBeHeader:)``.
struct CDNOWRow {
    var customer: String
    /// Milliseconds at midnight UTC.
    var date: Int64
    var cds: Int64
    var dollars: Double

    /// The row as a Segment message (written directly: this runs once per row of large files).
    func message(line: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        out.append(contentsOf: #"{"type":"track","event":"Order Completed","userId":"cdnow-"#.utf8)
        out.append(contentsOf: customer.utf8)
        out.append(contentsOf: #"","messageId":"cdnow-"#.utf8)
        out.append(contentsOf: "\(customer)-\(date)-\(line)".utf8)
        out.append(contentsOf: #"","timestamp":""#.utf8)
        out.append(contentsOf: Timestamp.formatISO8601(date).utf8)
        out.append(contentsOf: #"","properties":{"order_id":"cdnow-"#.utf8)
        out.append(contentsOf: String(line).utf8)
        out.append(contentsOf: #"","revenue":"#.utf8)
        JSONValue.writeNumber(dollars, to: &out)
        out.append(contentsOf: #","quantity":"#.utf8)
        out.append(contentsOf: String(cds).utf8)
        out.append(contentsOf: #","currency":"USD"}}"#.utf8)
        return out
    }
}
