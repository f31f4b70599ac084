/// The demo generator's pseudo-random numbers: SplitMix64, seeded explicitly,
/// so the same seed gives the same data set on every run.
///
/// Only integer and basic floating-point arithmetic is used (no `log`, `exp` or
/// `pow`), so results do not depend on the platform's maths library.
struct DemoRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<n` (`0` when `n <= 0`).
    @inline(__always)
    mutating func int(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniform integer in `range`.
    @inline(__always)
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform double in `[0, 1)`.
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in `[low, high)`.
    @inline(__always)
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// `true` with probability `p`.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A random element of a non-empty array's indices, weighted by a table of
    /// cumulative weights (the last entry is the total).
    mutating func pick(cumulative: [Double]) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let x = unit() * total
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > x { high = mid } else { low = mid + 1 }  // trap-ok: mid in 0..<count
        }
        return low
    }

    /// Rounds `x` up or down at random so the expected value is `x`.
    mutating func stochasticRound(_ x: Double) -> Int {
        guard x > 0 else { return 0 }
        let whole = x.rounded(.down)
        return Int(whole) + (chance(x - whole) ? 1 : 0)
    }
}

/// Bijective 64-bit mixing (the SplitMix64 finaliser): different inputs always
/// give different outputs, so ids derived from it are unique.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Builds cumulative weights from weights.
func cumulative(_ weights: [Double]) -> [Double] {
    var total = 0.0
    return weights.map { w in
        total += max(0, w)
        return total
    }
}
