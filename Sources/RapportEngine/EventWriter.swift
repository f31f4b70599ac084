import Logging
import RapportCore
import RapportStore
import ServiceLifecycle
import Synchronization

/// Appends events to the log with group commit: requests that arrive while a
/// transaction is being written wait for the next one, so many requests share
/// one durable commit. `append` returns only after the commit.
public final class EventWriter: Service, Sendable {
    struct Pending {
        var events: [EventToAppend]
        var continuation: CheckedContinuation<[Int64?], any Error>
    }

    struct State {
        var pending: [Pending] = []
        var closed = false
    }

    let store: any RapportStore
    let state = Mutex(State())
    let signal: AsyncStream<Void>
    let signalContinuation: AsyncStream<Void>.Continuation
    let onAppended: @Sendable ([ProjectableEvent]) -> Void
    let logger: Logger
    /// At most this many events per transaction.
    let maxEventsPerCommit: Int

    /// - Parameter onAppended: called after each commit with what it appended,
    ///   in log order (the projection's real-time feed).
    public init(store: any RapportStore, maxEventsPerCommit: Int = 20_000, logger: Logger = Logger(label: "rapport.writer"),
                onAppended: @escaping @Sendable ([ProjectableEvent]) -> Void) {
        self.store = store
        self.onAppended = onAppended
        self.logger = logger
        self.maxEventsPerCommit = maxEventsPerCommit
        (signal, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends events durably; per event, its log position or `nil` for a
    /// duplicate. Throws `.unavailable` once the writer is shutting down.
    public func append(_ events: [EventToAppend]) async throws -> [Int64?] {
        if events.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { s -> Bool in
                if s.closed { return false }
                s.pending.append(Pending(events: events, continuation: continuation))
                return true
            }
            if accepted {
                signalContinuation.yield()
            } else {
                continuation.resume(throwing: RapportError(.unavailable, "the server is shutting down"))
            }
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signal { await drain() }
        } onGracefulShutdown: {
            self.close()
        }
        await drain()
    }

    /// Stops taking new events; what is queued is still written.
    public func close() {
        state.withLock { $0.closed = true }
        signalContinuation.finish()
    }

    /// Writes everything queued, one transaction per group.
    func drain() async {
        while true {
            let group: [Pending] = state.withLock { s in
                var taken: [Pending] = []
                var count = 0
                while let first = s.pending.first, taken.isEmpty || count + first.events.count <= maxEventsPerCommit {
                    taken.append(first)
                    count += first.events.count
                    s.pending.removeFirst()
                }
                return taken
            }
            if group.isEmpty { return }
            let all = group.flatMap(\.events)
            do {
                let seqs = try await store.append(all)
                var offset = 0
                for p in group {
                    p.continuation.resume(returning: Array(seqs[offset..<(offset + p.events.count)]))
                    offset += p.events.count
                }
                let appended = ProjectableEvent.stored(all, positions: seqs)
                if !appended.isEmpty { onAppended(appended) }
            } catch {
                logger.error("event log append failed", metadata: ["error": "\(error)", "events": "\(all.count)"])
                let failure = RapportError(.storage, "the event log could not be written; retry later")
                for p in group { p.continuation.resume(throwing: failure) }
            }
        }
    }
}
