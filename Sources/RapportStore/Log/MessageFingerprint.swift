/// A 128-bit fingerprint of (source, messageId): what the log's dedupe
/// remembers of a message instead of the message id itself.
///
/// Two XXH64 hashes with different seeds over the source id (8 bytes, little
/// endian) followed by the id's UTF-8. At 128 bits, the chance that two of a
/// billion distinct messages share a fingerprint is about 10⁻²¹; XXH64 is not
/// a cryptographic hash, but an id that collides on purpose would have to be
/// crafted against another message's id known in advance, and could at worst
/// make that one message count as a retry. The fingerprints are stored, so
/// the function must never change: the test vectors pin it.
public struct MessageFingerprint: Hashable, Sendable {
    public var low: UInt64
    public var high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    public init(sourceId: Int64, messageId: String) {
        var scratch: [UInt8] = []
        self.init(sourceId: sourceId, messageId: messageId, scratch: &scratch)
    }

    /// The same, reusing `scratch` for the hashed bytes.
    init(sourceId: Int64, messageId: String, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: sourceId.littleEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: messageId.utf8)
        (low, high) = scratch.withUnsafeBytes { b in
            (XXH64.hash(b, seed: 0), XXH64.hash(b, seed: 0x9E37_79B9_7F4A_7C15))
        }
    }

    static let byteCount = 16

    func write(to out: inout [UInt8]) {
        withUnsafeBytes(of: low.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: high.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with each fingerprint of a blob written by ``write(to:)``;
    /// a trailing partial fingerprint is ignored.
    static func forEach(in blob: UnsafeRawBufferPointer, _ body: (MessageFingerprint) -> Void) {
        var i = 0
        while i + byteCount <= blob.count {
            body(MessageFingerprint(
                low: UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: i, as: UInt64.self)),
                high: UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))))
            i += byteCount
        }
    }
}

/// XXH64 (Yann Collet's xxHash, 64-bit), as specified in xxhash.h.
enum XXH64 {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    static func hash(_ b: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
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
