import Synchronization

/// Which messages the log holds, as fingerprints in memory: the dedupe.
///
/// A message whose (source, messageId) fingerprint is here is a retry and is
/// not appended again. By default every fingerprint is kept, so a retry is
/// recognised however late it comes and an import run twice changes nothing;
/// memory grows by about 30 bytes a logged message. With a ``window``,
/// fingerprints are kept for at least that many milliseconds after their
/// message was appended (two generations: when the current one is older than
/// the window it becomes the previous one, and the previous one is dropped),
/// so memory is bounded by the traffic of two windows: Segment deduplicates
/// within a 24-hour window the same way.
///
/// Every block carries its fingerprints, so the window is rebuilt from the
/// log at start-up, and blocks appended by another process are read before
/// each append (``knownEnd``): dedupe holds across restarts and processes.
package final class DedupeWindow: Sendable {
    /// A set of fingerprints in 256 shards, by the fingerprint's top byte.
    ///
    /// One set of millions would, each time it doubles, rehash everything
    /// while the writer waits (a stall of 100–300 ms every doubling, which
    /// showed as a 500 ms p99 under load); a shard rehashes 1/256 of it.
    package struct Generation {
        private var shards = [FingerprintSet](repeating: FingerprintSet(), count: 256)
        private(set) var count = 0

        package init() {}

        /// Shards sized for as many fingerprints per shard as `other` has.
        init(sizedLike other: Generation) {
            shards = other.shards.map { FingerprintSet(minimumCapacity: $0.count) }
        }

        func contains(_ f: MessageFingerprint) -> Bool {
            shards[Int(truncatingIfNeeded: f.high >> 56)].contains(f)  // trap-ok: 0...255 of 256
        }

        package mutating func insert(_ f: MessageFingerprint) {
            if shards[Int(truncatingIfNeeded: f.high >> 56)].insert(f) { count += 1 }  // trap-ok: 0...255
        }
    }

    struct State {
        var current = Generation()
        var previous = Generation()
        /// When `current` was started (ms since 1970).
        var currentSince: Int64
        /// The position after the last block this process has read or written.
        var knownEnd: Int64

        /// Whether either generation holds `f` (without a window there is no
        /// previous generation, and no second lookup).
        func holds(_ f: MessageFingerprint) -> Bool {
            current.contains(f) || (previous.count > 0 && previous.contains(f))
        }
    }

    /// Milliseconds a fingerprint is kept at least; `nil`: for ever.
    package let window: Int64?
    private let state: Mutex<State>

    package init(window: Int64?, now: Int64, knownEnd: Int64, fingerprints: Generation) {
        self.window = window
        state = Mutex(State(current: fingerprints, currentSince: now, knownEnd: knownEnd))
    }

    package var knownEnd: Int64 { state.withLock { $0.knownEnd } }

    package var count: Int { state.withLock { $0.current.count + $0.previous.count } }

    package func contains(_ f: MessageFingerprint) -> Bool {
        state.withLock { $0.holds(f) }
    }

    /// Adds the fingerprints of committed blocks that end at `end`.
    package func absorb(_ blob: UnsafeRawBufferPointer, end: Int64) {
        state.withLock { s in
            MessageFingerprint.forEach(in: blob) { s.current.insert($0) }
            s.knownEnd = max(s.knownEnd, end)
        }
    }

    /// For each fingerprint, whether it is new: not in the window and not
    /// earlier in the same list.
    package func fresh(_ prints: [MessageFingerprint]) -> [Bool] {
        state.withLock { s in
            var seen = FingerprintSet(minimumCapacity: prints.count)
            return prints.map { f in !s.holds(f) && seen.insert(f) }
        }
    }

    /// Remembers the fingerprints of a committed append that ends at `end`.
    package func commit(_ prints: [MessageFingerprint], end: Int64, now: Int64) {
        state.withLock { s in
            if let window, now - s.currentSince >= window {
                s.previous = s.current
                s.current = Generation(sizedLike: s.previous)
                s.currentSince = now
            }
            for f in prints { s.current.insert(f) }
            s.knownEnd = max(s.knownEnd, end)
        }
    }
}
