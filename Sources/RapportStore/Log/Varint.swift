/// Unsigned LEB128 varints and zigzag-encoded signed integers: the integer
/// coding of the log's blocks and the event-owner blobs.
enum Varint {
    static func write(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    /// Writes a signed integer so that small magnitudes of either sign stay short.
    static func write(signed value: Int64, to out: inout [UInt8]) {
        write(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &out)
    }

    /// Reads a varint at `i` and moves `i` past it; `nil` if the bytes end
    /// first or it runs past 64 bits.
    static func read(_ bytes: [UInt8], _ i: inout Int) -> UInt64? {
        bytes.withUnsafeBytes { read($0, &i) }
    }

    static func read(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while i >= 0, i < bytes.count, shift < 64 {
            let b = bytes[i]  // trap-ok: 0 <= i < count
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    static func readSigned(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> Int64? {
        guard let u = read(bytes, &i) else { return nil }
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }
}
