import RapportCore

/// A set of message fingerprints: open addressing with linear probing, at
/// most three quarters full.
///
/// Fingerprints are hashes already, but of ids a client chooses: the slot
/// comes from XXH64's avalanche of the low half mixed with a secret drawn
/// per process, so ids cannot be crafted to pile into one run of slots.
/// `Set<MessageFingerprint>` ran SipHash (`Hasher`) over both halves on every
/// lookup and insert, about half of the dedupe's time.
struct FingerprintSet {
    /// (0, 0) marks an empty slot; the fingerprint (0, 0) itself is kept in ``holdsZero``.
    private var slots: [MessageFingerprint]
    private var holdsZero = false
    private(set) var count = 0

    static let secret = UInt64.random(in: .min ... .max)

    init(minimumCapacity: Int = 0) {
        var size = 16
        while size * 3 < max(0, minimumCapacity) * 4 { size *= 2 }
        slots = Array(repeating: MessageFingerprint(low: 0, high: 0), count: size)
    }

    func contains(_ f: MessageFingerprint) -> Bool {
        if f.low == 0, f.high == 0 { return holdsZero }
        return slots.withUnsafeBufferPointer { b in
            let mask = b.count - 1
            var s = Self.slot(f, mask)
            while true {
                let x = b[s]  // trap-ok: s is masked to the slot count
                if x.low == f.low, x.high == f.high { return true }
                if x.low == 0, x.high == 0 { return false }
                s = (s + 1) & mask
            }
        }
    }

    /// Inserts `f`; returns whether it was new.
    @discardableResult
    mutating func insert(_ f: MessageFingerprint) -> Bool {
        if f.low == 0, f.high == 0 {
            defer { holdsZero = true }
            if holdsZero { return false }
            count += 1
            return true
        }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let inserted = slots.withUnsafeMutableBufferPointer { b -> Bool in
            let mask = b.count - 1
            var s = Self.slot(f, mask)
            while true {
                let x = b[s]  // trap-ok: s is masked to the slot count
                if x.low == f.low, x.high == f.high { return false }
                if x.low == 0, x.high == 0 {
                    b[s] = f  // trap-ok: s is masked to the slot count
                    return true
                }
                s = (s + 1) & mask
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    @inline(__always) private static func slot(_ f: MessageFingerprint, _ mask: Int) -> Int {
        var h = f.low ^ secret
        h ^= h >> 33
        h = h &* XXH64.p2
        h ^= h >> 29
        h = h &* XXH64.p3
        h ^= h >> 32
        return Int(truncatingIfNeeded: h) & mask
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: MessageFingerprint(low: 0, high: 0), count: old.count * 2)
        count = holdsZero ? 1 : 0
        for f in old where f.low != 0 || f.high != 0 { insert(f) }
    }
}
