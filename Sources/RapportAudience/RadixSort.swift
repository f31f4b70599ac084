/// Least-significant-digit radix sort of 64-bit keys, for the large sorts of
/// audience work (millions of profiles ranked by a figure).
///
/// Callers pack what they sort into one key — the figure in the high bits,
/// the item's index in the low bits — so that one sort orders by figure and
/// breaks ties by index, and the index comes back out of the low bits.
/// Digits are 11 bits; a pass whose digit is the same for every key is skipped,
/// so keys that use 30 bits cost 3 passes, not 6.
public enum RadixSort {
    static let digitBits = 11
    static let buckets = 1 << digitBits

    /// Sorts `keys` in ascending order.
    public static func sort(_ keys: inout [UInt64]) {
        let n = keys.count
        guard n > 1 else { return }
        if n < 256 {
            keys.sort()
            return
        }
        let counts = digitCounts(keys)
        var other = [UInt64](repeating: 0, count: n)
        var sortedInKeys = true
        for p in 0..<passes {
            let base = p * buckets
            // A digit shared by every key moves nothing.
            if counts[base..<(base + buckets)].contains(n) { continue }
            var offsets = [Int](repeating: 0, count: buckets)
            var sum = 0
            for b in 0..<buckets {
                offsets[b] = sum
                sum += counts[base + b]
            }
            let shift = UInt64(p * digitBits)
            let mask = UInt64(buckets - 1)
            if sortedInKeys {
                scatter(from: keys, to: &other, offsets: &offsets, shift: shift, mask: mask)
            } else {
                scatter(from: other, to: &keys, offsets: &offsets, shift: shift, mask: mask)
            }
            sortedInKeys.toggle()
        }
        if !sortedInKeys { swap(&keys, &other) }
    }

    private static func scatter(from source: [UInt64], to target: inout [UInt64], offsets: inout [Int],
                                shift: UInt64, mask: UInt64) {
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                offsets.withUnsafeMutableBufferPointer { o in
                    for key in s {
                        let d = Int(truncatingIfNeeded: (key >> shift) & mask)
                        t[o[d]] = key
                        o[d] &+= 1
                    }
                }
            }
        }
    }

    static let passes = (64 + digitBits - 1) / digitBits

    /// How many keys have each digit, pass after pass, counted in one pass
    /// over the keys. Digits above the widest key are 0 in every key: their
    /// counts are set so without reading the keys, and their passes are skipped.
    private static func digitCounts(_ keys: [UInt64]) -> [Int] {
        var counts = [Int](repeating: 0, count: passes * buckets)
        let all = keys.reduce(0 as UInt64) { $0 | $1 }
        let used = max(1, (bitWidth(all) + digitBits - 1) / digitBits)
        for p in used..<passes { counts[p * buckets] = keys.count }  // trap-ok: p < passes
        counts.withUnsafeMutableBufferPointer { c in
            keys.withUnsafeBufferPointer { k in
                for key in k {
                    var v = key
                    for p in 0..<used {
                        c[p &* buckets &+ Int(truncatingIfNeeded: v & UInt64(buckets - 1))] &+= 1
                        v >>= UInt64(digitBits)
                    }
                }
            }
        }
        return counts
    }

    /// The number of bits needed to hold `value` (0 for 0).
    public static func bitWidth(_ value: UInt64) -> Int { 64 - value.leadingZeroBitCount }
}
