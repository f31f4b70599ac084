import Foundation
import RapportCore
import RapportDemo
import RapportEngine
import RapportIngest
import RapportStore

// Stage timings of the in-process pipeline, for profiling (`perf record`) rather than for figures:
//   swift build -c release --product pipeline-profile && .build/release/pipeline-profile [customers]
let customers = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 4_000
var bodies: [[UInt8]] = []
var current: [UInt8] = Array(#"{"batch":["#.utf8)
var inBatch = 0
DemoGenerator(config: DemoConfig(customers: customers, days: 180, seed: 7)).generate { m in
    if inBatch > 0 { current.append(UInt8(ascii: ",")) }
    current.append(contentsOf: m.json)
    inBatch += 1
    if inBatch == 100 {
        current.append(contentsOf: Array("]}".utf8))
        bodies.append(current)
        current = Array(#"{"batch":["#.utf8)
        inBatch = 0
    }
}
if inBatch > 0 { current.append(contentsOf: Array("]}".utf8)); bodies.append(current) }

let dir = NSTemporaryDirectory() + "rapport-profile-\(UUID().uuidString)"
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
print("messages \(total)")
print("decode  \(rate(decodeTime))")
print("append  \(rate(appendTime))")
print("apply   \(rate(applyTime))")
print("flush   \(rate(flushTime))")
print("total   \(rate(decodeTime + appendTime + projectTime))")
