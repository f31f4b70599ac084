import Foundation
import GRDB
import RapportCore
import RapportDemo
import RapportEngine
import RapportIngest
import RapportStore
import Workload

// Stage timings of the in-process pipeline, for profiling (`perf record`) rather than for figures:
//   swift build -c release --product pipeline-profile && .build/release/pipeline-profile [customers]
let customers = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 4_000
let generated = Workload.demo(customers: customers)
let bodies = generated.bodies

if CommandLine.arguments.contains("--decode-par") {
    // Whether decoding scales on this machine's cores: the same bodies by one task, then by two.
    let clock = ContinuousClock()
    let decoder = MessageDecoder()
    for tasks in [1, 2] {
        let start = clock.now
        try await withThrowingTaskGroup(of: Int.self) { g in
            for t in 0..<tasks {
                g.addTask {
                    var n = 0
                    for i in stride(from: t, to: bodies.count, by: tasks) {
                        n += try decoder.decode(body: bodies[i], endpoint: .batch, receivedAt: 0).accepted.count
                    }
                    return n
                }
            }
            try await g.waitForAll()
        }
        print("decode with \(tasks) tasks: \(clock.now - start)")
    }
    exit(0)
}

if CommandLine.arguments.contains("--pipeline") {
    // Only this, then exit: for `perf stat` and `perf record` of the pipeline alone.
    // The overlapped in-process pipeline, as the Pipeline benchmark runs it, outside the harness.
    let dir = temporaryDirectory()
    let store = try SQLiteStore(directory: dir, durability: .full)
    let engine = Engine(store: store)
    let (ws, _) = try await engine.setUp(workspaceName: "bench")
    if let n = Int(ProcessInfo.processInfo.environment["PARTITIONS"] ?? ""), n > 1 {
        // The projection in partitions: profile ids numbered per workspace (W × 2³² + n).
        _ = try await engine.repartitionProjection(count: n)
    }
    let source = try await engine.source(named: "web", workspaceId: ws.id)
    let workload = generated
    let groups = workload.groups(ofAbout: Int(ProcessInfo.processInfo.environment["GROUP"] ?? "") ?? 2_000)
    let clock = ContinuousClock()
    func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    let blocker = DispatchSemaphore(value: 0)
    if ProcessInfo.processInfo.environment["BLOCK"] != nil {
        Task.detached { blocker.wait() }
        try await Task.sleep(for: .milliseconds(50))
    }
    let cpuStart = cpuSeconds()
    let start = clock.now
    let ahead = Int(ProcessInfo.processInfo.environment["AHEAD"] ?? "") ?? 4
    let run: @Sendable () async throws -> Bool = {
        try await appendDecoding(groups, ahead: ahead, engine: engine, source: source).projected
    }
    let projected = ProcessInfo.processInfo.environment["EXEC"] != nil
        ? try await withTaskExecutorPreference(ThreadExecutor.shared) { try await run() } : try await run()
    guard projected else { fatalError("no lease") }
    blocker.signal()
    let d = clock.now - start
    let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    let cpu = cpuSeconds() - cpuStart
    print(String(format: "pipeline (overlapped)  %.3f s  %.0f msg/s  cpu %.2f µs/msg on %.2f cores", secs,
                 Double(workload.messages) / secs, cpu * 1e6 / Double(workload.messages), cpu / secs))
    let closing = clock.now
    try await store.close()
    print("close  \(clock.now - closing)")
    try? FileManager.default.removeItem(atPath: dir)
    exit(0)
}

let dir = temporaryDirectory()
let store = try SQLiteStore(directory: dir, durability: .normal)
let engine = Engine(store: store)
let (ws, _) = try await engine.setUp(workspaceName: "bench")
let source = try await engine.source(named: "web", workspaceId: ws.id)

let clock = ContinuousClock()
var decodeTime = Duration.zero, appendTime = Duration.zero, projectTime = Duration.zero
var messages: [[EventToAppend]] = []
var t = clock.now
for body in bodies {
    let decoded = try engine.decoder.decode(body: body, endpoint: .batch, receivedAt: 1_767_225_600_000).accepted
    messages.append(decoded.map { EventToAppend(workspaceId: ws.id, sourceId: source.id, message: $0) })
}
decodeTime = clock.now - t
let total = messages.reduce(0) { $0 + $1.count }
var projectables: [[ProjectableEvent]] = []
t = clock.now
var group: [EventToAppend] = []
for m in messages {
    group += m
    if group.count >= 5_000 {
        let seqs = try await store.append(group)
        projectables.append(ProjectableEvent.stored(group, positions: seqs))
        group.removeAll(keepingCapacity: true)
    }
}
if !group.isEmpty {
    let seqs = try await store.append(group)
    projectables.append(ProjectableEvent.stored(group, positions: seqs))
}
appendTime = clock.now - t
t = clock.now
for p in projectables { try await engine.projector.apply(p) }
let applyTime = clock.now - t
t = clock.now
try await engine.projector.flush()
let flushTime = clock.now - t
projectTime = applyTime + flushTime
try await store.close()
try? FileManager.default.removeItem(atPath: dir)

func rate(_ d: Duration) -> String {
    let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    return String(format: "%7.3f s  %9.0f msg/s  %6.2f µs/msg", s, Double(total) / s, s * 1e6 / Double(total))
}
print("messages \(total), body bytes \(messages.reduce(0) { $0 + $1.reduce(0) { $0 + $1.message.bodyCount } }), request bytes \(bodies.reduce(0) { $0 + $1.count })")
print("decode  \(rate(decodeTime))")
print("append  \(rate(appendTime))")
print("apply   \(rate(applyTime))   shortcuts \(await engine.projector.resolutionShortcuts)")
print("flush   \(rate(flushTime))")
print("total   \(rate(decodeTime + appendTime + projectTime))")

// Experiments on the log's shape (not the product's code): how fast SQLite takes the same
// events as one row each, without the dedupe index, or as one block per commit.
if CommandLine.arguments.contains("--log-shapes") {
    let all = messages.flatMap { $0 }
    func measure(_ label: String, setup: String, write: (Database, ArraySlice<EventToAppend>) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "rapport-shape-\(UUID().uuidString).sqlite"
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -131072")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try pool.write { try $0.execute(sql: setup) }
        let start = clock.now
        var i = 0
        while i < all.count {
            let slice = all[i..<min(i + 5_000, all.count)]
            try pool.write { db in try write(db, slice) }
            i += 5_000
        }
        let d = clock.now - start
        try pool.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        print("\(label.padding(toLength: 34, withPad: " ", startingAt: 0)) \(rate(d))")
    }
    let rowSQL = """
        CREATE TABLE events (seq INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL, source_id INTEGER NOT NULL,
          client_ts INTEGER NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
          timestamp INTEGER NOT NULL, received_at INTEGER NOT NULL, body BLOB NOT NULL);
        """
    func rows(_ db: Database, _ slice: ArraySlice<EventToAppend>) throws {
        let s = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO events (workspace_id, source_id, client_ts, message_id, type, name, timestamp,
              received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for e in slice {
            try s.execute(arguments: [e.workspaceId, e.sourceId, e.message.clientTimestamp ?? 0, e.message.messageId,
                                      e.message.type.rawValue, e.message.displayName, e.message.timestamp,
                                      e.message.receivedAt, Data(e.message.body)])
        }
    }
    try measure("row per event, unique index", setup: rowSQL + "CREATE UNIQUE INDEX d ON events (source_id, client_ts, message_id);", write: rows)
    try measure("row per event, no index", setup: rowSQL, write: rows)
    try measure("row per event, unique (src, ts, hash)", setup: rowSQL.replacingOccurrences(of: "body BLOB NOT NULL", with: "body BLOB NOT NULL, mid_hash INTEGER NOT NULL") + "CREATE UNIQUE INDEX d ON events (source_id, client_ts, mid_hash);") { db, slice in
        let s = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO events (workspace_id, source_id, client_ts, message_id, type, name, timestamp,
              received_at, body, mid_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for e in slice {
            var h: UInt64 = 0xcbf29ce484222325
            for b in e.message.messageId.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            try s.execute(arguments: [e.workspaceId, e.sourceId, e.message.clientTimestamp ?? 0, e.message.messageId,
                                      e.message.type.rawValue, e.message.displayName, e.message.timestamp,
                                      e.message.receivedAt, Data(e.message.body), Int64(bitPattern: h)])
        }
    }
    try measure("block per commit + dedupe rows", setup: """
        CREATE TABLE blocks (first_seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
        CREATE TABLE dedupe (source_id INTEGER NOT NULL, client_ts INTEGER NOT NULL, message_id TEXT NOT NULL,
          PRIMARY KEY (source_id, client_ts, message_id)) WITHOUT ROWID;
        """) { db, slice in
        let d = try db.cachedStatement(sql: "INSERT OR IGNORE INTO dedupe VALUES (?, ?, ?)")
        var block: [UInt8] = []
        for e in slice {
            try d.execute(arguments: [e.sourceId, e.message.clientTimestamp ?? 0, e.message.messageId])
            block.append(contentsOf: e.message.body)
        }
        try db.execute(sql: "INSERT INTO blocks (bytes) VALUES (?)", arguments: [Data(block)])
    }
    try measure("block per commit only", setup: "CREATE TABLE blocks (first_seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);") { db, slice in
        var block: [UInt8] = []
        for e in slice { block.append(contentsOf: e.message.body) }
        try db.execute(sql: "INSERT INTO blocks (bytes) VALUES (?)", arguments: [Data(block)])
    }
}

if CommandLine.arguments.contains("--log-shapes") {
    // The floor of writing each byte once: an append-only file, one write and one fsync per commit.
    let all = messages.flatMap { $0 }
    let path = NSTemporaryDirectory() + "rapport-shape-\(UUID().uuidString).log"
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    let start = clock.now
    var i = 0
    var block: [UInt8] = []
    while i < all.count {
        block.removeAll(keepingCapacity: true)
        for e in all[i..<min(i + 5_000, all.count)] {
            var n = UInt32(e.message.body.count).littleEndian
            withUnsafeBytes(of: &n) { block.append(contentsOf: $0) }
            block.append(contentsOf: e.message.body)
        }
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        i += 5_000
    }
    let d = clock.now - start
    close(fd)
    try? FileManager.default.removeItem(atPath: path)
    print("\("append-only file, fsync per commit".padding(toLength: 34, withPad: " ", startingAt: 0)) \(rate(d))")
}

if CommandLine.arguments.contains("--server") {
    // The pipeline as `rapport serve` runs it, for perf: 32 clients through `Engine.ingest`.
    let dir = temporaryDirectory()
    let store = try SQLiteStore(directory: dir, durability: .full)
    let engine = Engine(store: store)
    let (_, created) = try await engine.setUp(workspaceName: "bench")
    let key = created?.writeKeys["web"] ?? ""
    let start = clock.now
    var acknowledged = Duration.zero
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await engine.writer.run() }
        group.addTask { try await engine.projection.run() }
        try await withThrowingTaskGroup(of: Void.self) { clients in
            for client in 0..<32 {
                clients.addTask {
                    for i in stride(from: client, to: bodies.count, by: 32) {
                        _ = try await engine.ingest(body: bodies[i], endpoint: .batch, headerKey: key)
                    }
                }
            }
            try await clients.waitForAll()
        }
        acknowledged = clock.now - start
        let last = try await store.lastSeq()
        while await engine.projector.applied < last { try await Task.sleep(for: .milliseconds(5)) }
        engine.writer.close()
        engine.projection.stop()
        try await group.waitForAll()
    }
    print("server: all acknowledged \(rate(acknowledged))")
    print("server: all projected    \(rate(clock.now - start))")
    try await store.close()
    try? FileManager.default.removeItem(atPath: dir)
}
