/// A short key's bytes packed into words, so keys compare with a few integer
/// comparisons instead of a byte loop.
///
/// Keys of 1 to 24 bytes are represented; two keys are equal exactly when
/// their `KeyWords` are. (The words overlap for most lengths, so together
/// with `count` they determine every byte.)
struct KeyWords: Equatable {
    var count: Int
    var w0: UInt64
    var w1: UInt64
    var w2: UInt64

    /// The longest key represented.
    static let maxCount = 24

    /// The words of the `count` bytes at `p`; `nil` if `count` is not in
    /// `1...maxCount`. `p` must point to at least `count` readable bytes.
    @inline(__always)
    init?(_ p: UnsafePointer<UInt8>, count: Int) {
        @inline(__always) func load8(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: UnsafeRawPointer(p + offset).loadUnaligned(as: UInt64.self))
        }
        @inline(__always) func load4(_ offset: Int) -> UInt64 {
            UInt64(UInt32(littleEndian: UnsafeRawPointer(p + offset).loadUnaligned(as: UInt32.self)))
        }
        self.count = count
        switch count {
        case 16...24:  // trap-ok: every offset below lies within 0..<count
            (w0, w1, w2) = (load8(0), load8(8), load8(count &- 8))
        case 8..<16:
            (w0, w1, w2) = (load8(0), load8(count &- 8), 0)
        case 4..<8:
            (w0, w1, w2) = (load4(0) | load4(count &- 4) << 32, 0, 0)
        case 1..<4:
            (w0, w1, w2) = (UInt64(p[0]) | UInt64(p[count >> 1]) << 8 | UInt64(p[count &- 1]) << 16, 0, 0)
        default:
            return nil
        }
    }

    /// The words of a literal key.
    @inline(__always)
    init?(_ literal: StaticString) {
        self.init(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// The words of the bytes at `range` in `bytes`; `nil` if the range lies
    /// outside the buffer or its length is not in `1...maxCount`.
    @inline(__always)
    init?(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        guard let base = bytes.baseAddress, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            return nil
        }
        self.init(base + range.lowerBound, count: range.count)
    }
}
