import Foundation
import RapportDemo
import Synchronization

/// Runs the (synchronous) demo generator on a thread of its own and hands its
/// messages over in chunks, one at a time: the generator waits until the
/// consumer has taken a chunk before it makes the next, so memory stays
/// bounded by two chunks.
enum DemoChunks {
    static func stream(config: DemoConfig, chunkSize: Int) -> Chunks {
        let (stream, continuation) = AsyncThrowingStream<[DemoMessage], any Error>.makeStream(
            bufferingPolicy: .unbounded)
        let handoff = Handoff()
        continuation.onTermination = { _ in handoff.cancel() }
        let thread = Thread {
            var chunk: [DemoMessage] = []
            chunk.reserveCapacity(chunkSize)
            struct Cancelled: Error {}
            do {
                try DemoGenerator(config: config).generate { m in
                    chunk.append(m)
                    if chunk.count >= chunkSize {
                        continuation.yield(chunk)
                        chunk.removeAll(keepingCapacity: true)
                        if !handoff.waitUntilTaken() { throw Cancelled() }
                    }
                }
                if !chunk.isEmpty { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish()
            }
        }
        thread.name = "rapport-demo-generator"
        thread.start()
        return Chunks(base: stream, handoff: handoff)
    }

    /// The chunks; taking one lets the generator make the next.
    struct Chunks: AsyncSequence {
        let base: AsyncThrowingStream<[DemoMessage], any Error>
        let handoff: Handoff

        struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncThrowingStream<[DemoMessage], any Error>.AsyncIterator
            let handoff: Handoff
            mutating func next() async throws -> [DemoMessage]? {
                let chunk = try await base.next()
                handoff.taken()
                return chunk
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: base.makeAsyncIterator(), handoff: handoff)
        }
    }

    /// The generator thread waits here until the consumer took a chunk.
    final class Handoff: Sendable {
        let state = Mutex((credits: 1, cancelled: false))
        let semaphore = DispatchSemaphore(value: 0)

        /// Called by the consumer for each chunk it takes.
        func taken() {
            state.withLock { $0.credits += 1 }
            semaphore.signal()
        }

        func cancel() {
            state.withLock { $0.cancelled = true }
            semaphore.signal()
        }

        /// Blocks the generator thread until it may produce the next chunk;
        /// `false` if the consumer went away.
        func waitUntilTaken() -> Bool {
            while true {
                let (ok, cancelled) = state.withLock { s -> (Bool, Bool) in
                    if s.cancelled { return (false, true) }
                    if s.credits > 0 {
                        s.credits -= 1
                        return (true, false)
                    }
                    return (false, false)
                }
                if cancelled { return false }
                if ok { return true }
                semaphore.wait()
            }
        }
    }
}
