import Foundation
import RapportCore
import RapportDemo
import RapportEngine
import RapportIngest
import RapportStore

/// Demo messages (seeded) grouped into 100-message batch bodies, as the HTTP
/// load generator sends them.
public struct Workload: Sendable {
    public let bodies: [[UInt8]]
    public let messages: Int

    public init(bodies: [[UInt8]], messages: Int) {
        self.bodies = bodies
        self.messages = messages
    }

    public static func demo(customers: Int) -> Workload {
        var bodies: [[UInt8]] = []
        var current: [UInt8] = Array(#"{"batch":["#.utf8)
        var inBatch = 0
        var total = 0
        DemoGenerator(config: DemoConfig(customers: customers, days: 180, seed: 7)).generate { m in
            if inBatch > 0 { current.append(UInt8(ascii: ",")) }
            current.append(contentsOf: m.json)
            inBatch += 1
            total += 1
            if inBatch == 100 {
                current.append(contentsOf: Array("]}".utf8))
                bodies.append(current)
                current = Array(#"{"batch":["#.utf8)
                inBatch = 0
            }
        }
        if inBatch > 0 {
            current.append(contentsOf: Array("]}".utf8))
            bodies.append(current)
        }
        return Workload(bodies: bodies, messages: total)
    }

    /// The bodies in consecutive groups of about `messages` messages each.
    public func groups(ofAbout messages: Int) -> [ArraySlice<[UInt8]>] {
        let per = max(1, messages / 100)
        return stride(from: 0, to: bodies.count, by: per).map { bodies[$0..<min($0 + per, bodies.count)] }
    }
}

public func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "rapport-bench-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Decodes the bodies of group `g` (none past the last group), as `/v1/batch` would.
///
/// It yields after each body (100 messages, ~0.2 ms): the pipeline runs three
/// tasks (decode, append, projection) on two threads, and a group decoded in
/// one go (~4 ms) kept the append waiting for a thread each time its write
/// returned (measured when decoding ran one group ahead in lockstep: 200k
/// against 230–250k msg/s with the yield).
public func decodeGroup(_ groups: [ArraySlice<[UInt8]>], _ g: Int, _ decoder: MessageDecoder) async throws -> [Message] {
    guard g < groups.count else { return [] }
    var out: [Message] = []
    for body in groups[g] {
        out += try decoder.decode(body: body, endpoint: .batch, receivedAt: 1_767_225_600_000).accepted
        await Task.yield()
    }
    return out
}

/// The in-process pipeline over `groups`: one task decodes group after group
/// into a queue at most `ahead` groups deep, while this one appends each
/// decoded group with ``Engine/appendDirect(_:source:)`` (one durable commit
/// per group) inside ``Engine/withLocalProjection(_:)``, which projects what
/// was appended as the next groups are decoded and written. Returns the
/// messages appended, and whether this process projected them.
///
/// Decoding runs ahead as request handlers do in the server, where many
/// requests are decoded while the writer commits; decoding one group ahead
/// in lockstep with the append left a core idle for ~0.4 of the run whenever
/// the append waited on its fsync.
public func appendDecoding(
    _ groups: [ArraySlice<[UInt8]>], ahead: Int = 4, engine: Engine, source: Source
) async throws -> (appended: Int, projected: Bool) {
    let (appended, projected) = try await engine.withLocalProjection { () async throws -> Int in
        let decoded = HandOff<[Message]>(capacity: ahead)
        return try await withThrowingTaskGroup(of: Void.self, returning: Int.self) { tasks in
            tasks.addTask {
                defer { decoded.close() }
                for g in groups.indices {
                    guard await decoded.send(try await decodeGroup(groups, g, engine.decoder)) else { return }
                }
            }
            var appended = 0
            do {
                while let messages = await decoded.receive() {
                    appended += try await engine.appendDirect(messages, source: source).0
                }
            } catch {
                decoded.close()  // releases the decoding task if it waits to send
                throw error
            }
            try await tasks.waitForAll()
            return appended
        }
    }
    return (appended, projected)
}
