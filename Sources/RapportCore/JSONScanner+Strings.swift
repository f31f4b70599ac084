extension JSONScanner {
    /// Reads a string value.
    public mutating func parseString() throws(RapportError) -> String {
        let raw = try readRawString()
        return string(raw)
    }

    /// Reads and validates a string value without building it.
    @inlinable
    public mutating func readRawString() throws(RapportError) -> RawString {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw expected("a string")
        }
        return try scanString()
    }

    /// The text of a string token read by this scanner, escapes decoded.
    public mutating func string(_ raw: RawString) -> String {
        let r = raw.range
        guard r.lowerBound >= 0, r.upperBound <= bytes.count else { return "" }
        let slice = UnsafeBufferPointer(rebasing: bytes[r])
        guard raw.hasEscapes else { return String(decoding: slice, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(r.count)
        JSONScanner.unescape(slice, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// The string token's bytes with escapes decoded, appended to `out`.
    public func appendUnescaped(_ raw: RawString, to out: inout [UInt8]) {
        let r = raw.range
        guard r.lowerBound >= 0, r.upperBound <= bytes.count else { return }
        let slice = UnsafeBufferPointer(rebasing: bytes[r])
        if raw.hasEscapes {
            JSONScanner.unescape(slice, into: &out)
        } else {
            out.append(contentsOf: slice)
        }
    }

    /// Scans the string whose opening quote is at `position`, validating it,
    /// and moves past its closing quote.
    ///
    /// The common case, plain ASCII without escapes, is handled inline; the
    /// first escape, non-ASCII byte or error continues in ``scanStringSlow(from:)``.
    @inlinable @inline(__always)
    mutating func scanString() throws(RapportError) -> RawString {
        let start = position &+ 1  // trap-ok: position < bytes.count (the quote)
        let end = bytes.count
        var i = JSONScanner.skipPlainASCIIWords(bytes, from: start)
        while i < end {
            let b = bytes[i]
            if b >= 0x20, b < 0x80, b != 0x22, b != 0x5C { i &+= 1 } else { break }  // trap-ok: i < end
        }
        if i < end, bytes[i] == 0x22 {
            position = i &+ 1  // trap-ok: i < end
            return RawString(range: start..<i, hasEscapes: false)
        }
        return try scanStringSlow(from: i)
    }

    /// ``scanString()`` from `resume` on, where plain ASCII text ended.
    @usableFromInline @inline(never)
    mutating func scanStringSlow(from resume: Int) throws(RapportError) -> RawString {
        let open = position
        let start = open + 1
        let end = bytes.count
        var i = resume
        var escaped = false
        while true {
            // Plain ASCII, eight bytes at a time while no byte is special.
            i = JSONScanner.skipPlainASCIIWords(bytes, from: i)
            while i < end {
                let b = bytes[i]
                if b >= 0x20, b < 0x80, b != 0x22, b != 0x5C { i += 1 } else { break }
            }
            guard i < end else { throw error("unterminated string", at: open) }
            let b = bytes[i]
            if b == 0x22 { break }
            if b == 0x5C {
                escaped = true
                guard i + 1 < end else { throw error("unterminated string", at: open) }
                switch bytes[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:  // " \ / b f n r t
                    i += 2
                case 0x75:  // u
                    guard hex4(at: i + 2) != nil else {
                        throw error("invalid \\u escape (four hex digits required)", at: i)
                    }
                    i += 6
                default:
                    throw error("invalid escape \\\(describeByte(at: i + 1))", at: i)
                }
            } else if b < 0x20 {
                throw error("unescaped control character in string", at: i)
            } else {
                // Non-ASCII text (CJK, emoji) comes in runs: validate the run
                // here, three-byte sequences without E0 and ED (most of the
                // BMP, all of CJK) inline.
                i = try validateUTF8Sequence(at: i)
                while i < end {
                    let b0 = bytes[i]
                    guard b0 >= 0x80 else { break }
                    if b0 >= 0xE1, b0 <= 0xEF, b0 != 0xED, i + 2 < end,
                       bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80
                    {
                        i += 3
                    } else {
                        i = try validateUTF8Sequence(at: i)
                    }
                }
            }
        }
        position = i + 1
        return RawString(range: start..<i, hasEscapes: escaped)
    }

    /// The offset of the first byte at or after `start` that is not plain
    /// ASCII text (`"`, `\\`, a control character or a byte >= 0x80), found
    /// eight bytes at a time (SWAR); or, near the end of the buffer, the
    /// offset where fewer than eight bytes remain.
    @inlinable @inline(__always)
    static func skipPlainASCIIWords(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        let end = bytes.count
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i &+ 8 <= end {  // trap-ok: i <= end, far below Int.max
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let quote = w ^ (ones &* 0x22)
            let backslash = w ^ (ones &* 0x5C)
            let special = (w | ((w &- ones &* 0x20) & ~w)
                | ((quote &- ones) & ~quote)
                | ((backslash &- ones) & ~backslash)) & highs
            if special != 0 {
                // A borrow can only flag bytes above a truly special one, so
                // the lowest flagged byte is the first special byte.
                return i &+ special.trailingZeroBitCount &>> 3  // trap-ok: within the buffer
            }
            i &+= 8  // trap-ok: i + 8 <= end
        }
        return i
    }

    /// Checks the multi-byte UTF-8 sequence starting at `i` (RFC 3629: no
    /// overlong forms, no surrogates, nothing above U+10FFFF) and returns the
    /// offset after it.
    @inline(__always)
    private func validateUTF8Sequence(at i: Int) throws(RapportError) -> Int {
        let end = bytes.count
        let b0 = bytes[i]
        @inline(__always) func byte(_ j: Int) -> UInt8 { j < end ? bytes[j] : 0 }
        @inline(__always) func isContinuation(_ j: Int) -> Bool { j < end && bytes[j] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            if isContinuation(i + 1) { return i + 2 }
        case 0xE0:
            if (0xA0...0xBF).contains(byte(i + 1)), isContinuation(i + 2) { return i + 3 }
        case 0xE1...0xEC, 0xEE...0xEF:
            if isContinuation(i + 1), isContinuation(i + 2) { return i + 3 }
        case 0xED:
            if (0x80...0x9F).contains(byte(i + 1)), isContinuation(i + 2) { return i + 3 }
        case 0xF0:
            if (0x90...0xBF).contains(byte(i + 1)), isContinuation(i + 2), isContinuation(i + 3) { return i + 4 }
        case 0xF1...0xF3:
            if isContinuation(i + 1), isContinuation(i + 2), isContinuation(i + 3) { return i + 4 }
        case 0xF4:
            if (0x80...0x8F).contains(byte(i + 1)), isContinuation(i + 2), isContinuation(i + 3) { return i + 4 }
        default:
            break
        }
        throw error("invalid UTF-8 in string", at: i)
    }

    /// The value of four hex digits at `i`, or `nil`.
    @inline(__always)
    func hex4(at i: Int) -> UInt32? {
        guard i >= 0, i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for j in i..<(i + 4) {
            guard let d = JSONScanner.hexDigit(bytes[j]) else { return nil }
            value = value << 4 | d
        }
        return value
    }

    @inline(__always)
    static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b &- 0x30)
        case 0x41...0x46: return UInt32(b &- 0x41 &+ 10)
        case 0x61...0x66: return UInt32(b &- 0x61 &+ 10)
        default: return nil
        }
    }

    /// Decodes the escapes in validated string content. Lone surrogates
    /// become U+FFFD.
    static func unescape(_ s: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let end = s.count
        var i = 0
        @inline(__always) func hex4(_ j: Int) -> UInt32? {
            guard j + 4 <= end else { return nil }
            var v: UInt32 = 0
            for k in j..<(j + 4) {
                guard let d = hexDigit(s[k]) else { return nil }
                v = v << 4 | d
            }
            return v
        }
        while i < end {
            // Copy the run up to the next backslash in one go.
            var j = i
            while j < end, s[j] != 0x5C { j += 1 }
            if j > i { out.append(contentsOf: UnsafeBufferPointer(rebasing: s[i..<j])) }
            i = j
            guard i + 1 < end else { break }
            let e = s[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)  // b
            case 0x66: out.append(0x0C)  // f
            case 0x6E: out.append(0x0A)  // n
            case 0x72: out.append(0x0D)  // r
            case 0x74: out.append(0x09)  // t
            case 0x75:  // u
                guard let unit = hex4(i) else { return }
                i += 4
                var scalar = unit
                if (0xD800...0xDBFF).contains(unit) {
                    if i + 6 <= end, s[i] == 0x5C, s[i + 1] == 0x75, let low = hex4(i + 2),
                       (0xDC00...0xDFFF).contains(low)
                    {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(unit) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
        }
    }

    @inline(__always)
    static func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        switch c {
        case 0..<0x80:
            out.append(UInt8(truncatingIfNeeded: c))
        case 0x80..<0x800:
            out.append(UInt8(truncatingIfNeeded: 0xC0 | (c >> 6)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(truncatingIfNeeded: 0xE0 | (c >> 12)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F)))
        default:
            out.append(UInt8(truncatingIfNeeded: 0xF0 | (c >> 18)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F)))
        }
    }
}
