import Foundation
import RapportCore
import RapportIngest
import RapportStore

/// Moves a store's contents to another store (`rapport export`, `rapport
/// import store`), for instance from SQLite to PostgreSQL.
///
/// An export is JSON Lines: a header (`{"rapport":"export","version":1,
/// "after":A,"through":N}`), the workspaces, sources, credentials and
/// definitions with their ids (`{"admin":{…}}`), then every event of the log
/// after position A up to N, in order, its body exactly as received (base64).
/// Profiles are not exported: they are derived from the log, and the first
/// server on the new store projects it.
///
/// A live store moves in passes: a full export and import while it runs,
/// then `--after` the last position for what came since (importing an
/// event twice stores it once: the log dedupes by message id), and a last
/// pass after the old servers stop taking events.
public enum StoreTransfer {
    public struct ExportReport: Sendable {
        public var events: Int
        public var through: Int64
    }

    public struct ImportReport: Sendable {
        public var events = 0
        public var appended = 0
        public var duplicates = 0
        /// Whether every appended event got the position it had in the exported store.
        public var positionsKept = true
        public var through: Int64 = 0
        public var adminRestored = false
    }

    /// Writes the store's contents after position `after` to `path`.
    public static func export(_ store: any RapportStore, to path: String, after: Int64 = 0,
                              progress: (Int) -> Void = { _ in }) async throws -> ExportReport {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let file = FileHandle(forWritingAtPath: path)
        else { throw RapportError(.invalidArgument, "cannot write \(path)") }
        defer { try? file.close() }
        let through = try await store.lastSeq()
        let admin = try await store.adminSnapshot()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out: [UInt8] = []
        out += Array(#"{"rapport":"export","version":1,"after":\#(max(0, after)),"through":\#(through)}"#.utf8)
        out += Array("\n{\"admin\":".utf8)
        out += Array(try encoder.encode(admin))
        out += Array("}\n".utf8)
        var position = max(0, after)
        var count = 0
        while position < through {
            let page = try await store.events(after: position, limit: 10_000)
            guard let last = page.last else { break }
            for e in page where e.seq <= through {
                writeEvent(e, to: &out)
                count += 1
            }
            try file.write(contentsOf: out)
            out.removeAll(keepingCapacity: true)
            position = last.seq
            progress(count)
        }
        try file.write(contentsOf: out)
        return ExportReport(events: count, through: through)
    }

    static func writeEvent(_ e: StoredEvent, to out: inout [UInt8]) {
        out += Array(#"{"seq":\#(e.seq),"w":\#(e.workspaceId),"s":\#(e.sourceId),"t":"#.utf8)
        JSONValue.writeString(e.type.rawValue, to: &out)
        out += Array(#","id":"#.utf8)
        JSONValue.writeString(e.messageId, to: &out)
        out += Array(#","n":"#.utf8)
        JSONValue.writeString(e.name, to: &out)
        out += Array(#","ts":\#(e.timestamp),"r":\#(e.receivedAt),"b":""#.utf8)
        out += Array(Data(e.body).base64EncodedString().utf8)
        out += Array("\"}\n".utf8)
    }

    /// Reads an export into `store`. Into an empty store, the workspaces,
    /// sources and credentials are restored with their ids; into one that
    /// has them (a later pass), they must match, and credentials and
    /// definitions added since are added.
    public static func importExport(from path: String, into store: any RapportStore,
                                    progress: (ImportReport) -> Void = { _ in }) async throws -> ImportReport {
        guard FileManager.default.fileExists(atPath: path) else { throw RapportError(.invalidArgument, "no file at \(path)") }
        var report = ImportReport()
        var sawHeader = false
        var batch: [EventToAppend] = []
        var seqs: [Int64] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let positions = try await store.append(batch)
            for (p, seq) in zip(positions, seqs) {
                if let p {
                    report.appended += 1
                    if p != seq { report.positionsKept = false }
                } else {
                    report.duplicates += 1
                }
            }
            batch.removeAll(keepingCapacity: true)
            seqs.removeAll(keepingCapacity: true)
            progress(report)
        }
        try await FileChunks(path: path).forEachLineBatch { lines in
            for (line, n) in lines {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let value: JSONValue
                do { value = try JSONValue.parse(line) } catch {
                    throw RapportError(.invalidArgument, "line \(n) of \(path) is not JSON: \((error as? RapportError)?.message ?? "\(error)")")
                }
                if !sawHeader {
                    guard value["rapport"]?.stringValue == "export", value["version"]?.doubleValue == 1 else {
                        throw RapportError(.invalidArgument, "\(path) is not a Rapport export (version 1)")
                    }
                    report.through = Int64(exactly: value["through"]?.doubleValue ?? 0) ?? 0
                    sawHeader = true
                    continue
                }
                if let admin = value["admin"] {
                    let snapshot: AdminSnapshot
                    do {
                        snapshot = try JSONDecoder().decode(AdminSnapshot.self, from: Data(admin.serialized()))
                    } catch {
                        throw RapportError(.invalidArgument, "line \(n) of \(path): the workspaces and credentials do not read: \(error)")
                    }
                    report.adminRestored = try await merge(snapshot, into: store)
                    continue
                }
                guard let seq = value["seq"]?.doubleValue.flatMap({ Int64(exactly: $0) }),
                      let workspace = value["w"]?.doubleValue.flatMap({ Int64(exactly: $0) }),
                      let source = value["s"]?.doubleValue.flatMap({ Int64(exactly: $0) }),
                      let type = value["t"]?.stringValue.flatMap(MessageType.init(rawValue:)),
                      let id = value["id"]?.stringValue, let name = value["n"]?.stringValue,
                      let ts = value["ts"]?.doubleValue.flatMap({ Int64(exactly: $0) }),
                      let received = value["r"]?.doubleValue.flatMap({ Int64(exactly: $0) }),
                      let body = value["b"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
                else { throw RapportError(.invalidArgument, "line \(n) of \(path) is not an exported event") }
                var message = Message(type: type, messageId: id, timestamp: ts, receivedAt: received, body: [UInt8](body))
                if type == .track { message.event = name }
                batch.append(EventToAppend(workspaceId: workspace, sourceId: source, message: message))
                seqs.append(seq)
                report.events += 1
                if batch.count >= 5_000 { try await flush() }
            }
        }
        try await flush()
        guard sawHeader else { throw RapportError(.invalidArgument, "\(path) is empty") }
        return report
    }

    /// Restores the snapshot into an empty store (true), or checks that the
    /// store has its workspaces and sources and adds the credentials and
    /// definitions it lacks (false).
    static func merge(_ s: AdminSnapshot, into store: any RapportStore) async throws -> Bool {
        let current = try await store.adminSnapshot()
        if current.workspaces.isEmpty {
            try await store.restoreAdmin(s)
            return true
        }
        let sources = Set(current.sources.map { "\($0.id) \($0.workspaceId) \($0.name)" })
        for w in s.workspaces where !current.workspaces.contains(w) {
            throw RapportError(.conflict, "the target store has other workspaces than the export (\(w.id) \(w.name)): import into an empty store")
        }
        for x in s.sources where !sources.contains("\(x.id) \(x.workspaceId) \(x.name)") {
            throw RapportError(.conflict, "the export has a source the target lacks (\(x.name), id \(x.id)): export and import again in full into an empty store")
        }
        let keys = Set(current.writeKeys.map(\.hash))
        for k in s.writeKeys where !keys.contains(k.hash) && k.revokedAt == nil {
            try await store.addWriteKey(hash: k.hash, sourceId: k.sourceId, now: k.createdAt)
        }
        let tokens = Set(current.tokens.map(\.hash))
        for t in s.tokens where !tokens.contains(t.hash) {
            guard let role = Role(rawValue: t.role) else { continue }
            try await store.addToken(hash: t.hash, workspaceId: t.workspaceId, role: role, name: t.name, now: t.createdAt)
        }
        for u in s.users where !current.users.contains(u) {
            guard let role = Role(rawValue: u.role) else { continue }
            try await store.setUser(workspaceId: u.workspaceId, username: u.username, passwordHash: u.passwordHash, role: role)
        }
        for d in s.definitions where !current.definitions.contains(d) { try await store.saveDefinition(d) }
        return false
    }
}
