/// XXH64 (Yann Collet's xxHash, 64-bit), as specified in xxhash.h: the log's
/// message fingerprints (pinned by test vectors) and the projection's
/// identifier index (with a secret seed) use it.
public enum XXH64 {
    public static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    public static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    public static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    public static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    public static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inlinable @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inlinable @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inlinable @inline(__always) static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    /// The hash of `b` with `seed`.
    @inlinable
    public static func hash(_ b: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let length = b.count
        var i = 0
        @inline(__always) func u64(_ at: Int) -> UInt64 {
            UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        var h: UInt64
        if length >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= length {
                v1 = round(v1, u64(i))
                v2 = round(v2, u64(i + 8))
                v3 = round(v3, u64(i + 16))
                v4 = round(v4, u64(i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(merge(merge(merge(h, v1), v2), v3), v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(length)
        while i + 8 <= length {
            h ^= round(0, u64(i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= length {
            h ^= UInt64(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < length {
            h ^= UInt64(b[i]) &* p5  // trap-ok: i < length
            h = rotl(h, 11) &* p1
            i += 1
        }
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }
}
