extension JSONScanner {
    /// A scanned number: its bytes and its decimal significand and exponent
    /// (`significand × 10^exponent`), exact when `truncated` is `false`.
    struct NumberToken {
        var range: Range<Int>
        var negative: Bool
        /// Up to 19 significant digits.
        var significand: UInt64
        var exponent: Int
        /// Digits beyond the 19th were dropped from `significand`.
        var truncated: Bool
        var hasExponentPart: Bool
    }

    /// Reads a number value.
    ///
    /// Throws for a number outside the grammar and for one too large for
    /// `Double` (such as `1e400`).
    public mutating func parseNumber() throws(RapportError) -> Double {
        skipWhitespace()
        let token = try scanNumber()
        return try value(of: token)
    }

    /// Reads a number value, and its exact integer value if it is written as
    /// an integer (digits only: no fraction, no exponent) smaller than 2^53 in
    /// magnitude; `integer` is `nil` otherwise (`42.0`, `1e3`, `2^60`).
    ///
    /// Throws like ``parseNumber()``.
    public mutating func parseNumberAndInteger() throws(RapportError) -> (value: Double, integer: Int64?) {
        skipWhitespace()
        let token = try scanNumber()
        if !token.hasExponentPart, token.exponent == 0, !token.truncated, token.significand < 1 << 53 {
            // trap-ok: significand < 2^53, so the conversion and negation are exact
            let magnitude = Int64(token.significand)
            let integer = token.negative ? -magnitude : magnitude
            return (Double(integer), integer)
        }
        return (try value(of: token), nil)
    }

    /// Scans the number at `position` (after whitespace).
    mutating func scanNumber() throws(RapportError) -> NumberToken {
        let start = position
        let end = bytes.count
        var i = start
        var negative = false
        if i < end, bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        @inline(__always) func digit(_ j: Int) -> UInt64? {
            guard j < end else { return nil }
            let d = bytes[j] &- 0x30
            return d < 10 ? UInt64(d) : nil
        }
        guard let first = digit(i) else {
            throw error("invalid number: expected a digit but found \(describeByte(at: i))", at: i)
        }
        var significand: UInt64 = 0
        var digits = 0  // significant digits in `significand`
        var exponent = 0
        var truncated = false
        if first == 0 {
            i += 1
            if digit(i) != nil { throw error("invalid number: leading zero", at: start) }
        } else {
            while let d = digit(i) {
                if digits < 19 {
                    significand = significand &* 10 &+ d  // trap-ok: wrapping ops; 19 digits < 2^64
                    digits += 1
                } else {
                    truncated = truncated || d != 0
                    if exponent < 1_000_000 { exponent += 1 }
                }
                i += 1
            }
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) != nil else {
                throw error("invalid number: expected a digit after '.'", at: i)
            }
            while let d = digit(i) {
                if significand == 0, d == 0 {
                    if exponent > -1_000_000 { exponent -= 1 }
                } else if digits < 19 {
                    significand = significand &* 10 &+ d  // trap-ok: wrapping ops; 19 digits < 2^64
                    digits += 1
                    exponent -= 1
                } else {
                    truncated = truncated || d != 0
                }
                i += 1
            }
        }
        var hasExponentPart = false
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            hasExponentPart = true
            i += 1
            var exponentNegative = false
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard digit(i) != nil else {
                throw error("invalid number: expected a digit in the exponent", at: i)
            }
            var e = 0
            while let d = digit(i) {
                if e < 100_000_000 { e = e * 10 + Int(d) }  // trap-ok: e < 1e9
                i += 1
            }
            exponent += exponentNegative ? -e : e  // trap-ok: both bounded by ~1e9
        }
        position = i
        return NumberToken(
            range: start..<i, negative: negative, significand: significand, exponent: exponent,
            truncated: truncated, hasExponentPart: hasExponentPart)
    }

    /// Whether a skipped number must be converted to check it fits a `Double`.
    @inline(__always)
    func needsRangeCheck(_ token: NumberToken) -> Bool {
        token.hasExponentPart || token.exponent > 280
    }

    /// The `Double` nearest to the token.
    func value(of token: NumberToken) throws(RapportError) -> Double {
        let m = token.significand
        if m == 0 {
            return token.negative ? -0.0 : 0.0
        }
        // Clinger's fast path: both operands exact, so one IEEE operation
        // rounds correctly.
        if !token.truncated, m <= 1 << 53, token.exponent >= -22, token.exponent <= 22 {
            let d = Double(m)
            let scaled = token.exponent >= 0
                ? d * JSONScanner.powerOf10(token.exponent)
                : d / JSONScanner.powerOf10(-token.exponent)
            return token.negative ? -scaled : scaled
        }
        let r = token.range
        guard r.lowerBound >= 0, r.upperBound <= bytes.count else {
            throw error("invalid number", at: r.lowerBound)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw error("number out of range", at: r.lowerBound)
        }
        return d
    }

    /// 10^n for n in 0...22 (exact in `Double`).
    @inline(__always)
    static func powerOf10(_ n: Int) -> Double {
        switch n {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }
}
