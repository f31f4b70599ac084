/// FNV-1a, 128-bit: the digest behind derived message ids.
enum MessageHash {
    /// The FNV-1a 128 digest of `bytes`.
    static func fnv1a128(_ bytes: UnsafeBufferPointer<UInt8>) -> (high: UInt64, low: UInt64) {
        // Offset basis 0x6c62272e07bb014262b821756295c58d;
        // prime 2^88 + 0x13B, so h * prime = (h << 88) + h * 0x13B (mod 2^128).
        var high: UInt64 = 0x6c62_272e_07bb_0142
        var low: UInt64 = 0x62b8_2175_6295_c58d
        for byte in bytes {
            low ^= UInt64(byte)
            let product = low.multipliedFullWidth(by: 0x13B)
            high = high &* 0x13B &+ product.high &+ (low << 24)
            low = product.low
        }
        return (high, low)
    }

    /// The digest as 32 lower-case hex digits.
    static func fnv1a128Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let (high, low) = fnv1a128(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [high, low] {
            for shift in stride(from: 60, through: 0, by: -4) {
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(shift)) & 0x0F
                out.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
