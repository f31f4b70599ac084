import Foundation
import RapportCore
import RapportDemo
import RapportStore
import Testing

@testable import RapportEngine

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "rapport-engine-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return url.path
}

/// The demo generator's messages as `/v1/batch` bodies of at most 100, each with the source that sends it;
/// with `bySource`, a body holds one source's messages only (for sending each with its source's write key).
func demoBatches(_ config: DemoConfig, bySource: Bool = false) -> [(source: String, body: String)] {
    var out: [(source: String, body: String)] = []
    var current: [String] = [], source = ""
    func flush() {
        if !current.isEmpty { out.append((source, #"{"batch":[\#(current.joined(separator: ","))]}"#)) }
        current.removeAll()
    }
    DemoGenerator(config: config).generate { m in
        if current.count == 100 || (bySource && m.source != source && !current.isEmpty) { flush() }
        if current.isEmpty { source = m.source }
        current.append(String(decoding: m.json, as: UTF8.self))
    }
    flush()
    return out
}

/// An engine on a fresh store with a workspace set up; returns it with the write key of `web`.
func makeEngine(
    now: Int64 = 1_750_000_000_000, directory: String = temporaryDirectory(), localFlushEvents: Int = 100_000
) async throws -> (Engine, String, Workspace) {
    let store = try SQLiteStore(directory: directory, durability: .normal)
    let engine = Engine(store: store, clock: FixedClock(millis: now), localFlushEvents: localFlushEvents)
    let (ws, creds) = try await engine.setUp(workspaceName: "test")
    let key = try #require(creds?.writeKeys["web"])
    try await engine.projector.load()
    return (engine, key, ws)
}

extension Engine {
    /// Ingests one JSON body and projects it.
    @discardableResult
    func send(_ json: String, key: String, endpoint: RapportIngest.IngestEndpoint = .batch) async throws -> IngestResult {
        let body = Array(json.utf8)
        let decoded = try decoder.decode(body: body, endpoint: endpoint, receivedAt: clock.nowMillis())
        guard let source = source(forWriteKey: key) else { throw RapportError(.unauthorized, "bad key in test") }
        let seqs = try await store.append(decoded.accepted.map {
            EventToAppend(workspaceId: source.workspaceId, sourceId: source.id, message: $0)
        })
        try await projector.catchUp()
        let inserted = seqs.compactMap { $0 }.count
        return IngestResult(accepted: inserted, duplicates: seqs.count - inserted, rejected: decoded.rejected,
                            source: source)
    }

    func profile(_ identifier: String) async throws -> ProfileView {
        let id = try #require(Identifier(parsing: identifier))
        let wsId = try await defaultWorkspace().id
        let pid = try #require(await projector.profileId(for: normalize(id), workspaceId: wsId))
        return try #require(await projector.profile(pid, workspaceId: wsId))
    }
}

import RapportIngest

/// A clock a test moves by hand.
final class MovableClock: RapportClock, @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64

    init(millis: Int64) { value = millis }

    var millis: Int64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }

    func nowMillis() -> Int64 { millis }
}
