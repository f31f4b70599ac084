import RapportCore

/// A small append-only JSON byte builder for the generator's hot path: it
/// writes literal fragments, digits, timestamps and hex ids straight into a
/// byte array, without building a ``JSONValue`` tree.
struct JSONBytes {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a literal fragment as it is (it must already be valid JSON text).
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes as they are.
    @inline(__always)
    mutating func raw(_ b: [UInt8]) {
        bytes.append(contentsOf: b)
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        bytes.append(b)
    }

    /// Appends a quoted, escaped JSON string.
    mutating func string(_ s: String) {
        JSONValue.writeString(s, to: &bytes)
    }

    /// Appends raw UTF-8 text as a quoted JSON string, escaped per RFC 8259.
    mutating func escaped(_ raw: [UInt8]) {
        bytes.append(0x22)
        for c in raw {
            switch c {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                bytes.append(0x5C); bytes.append(UInt8(ascii: "u")); bytes.append(0x30); bytes.append(0x30)
                hex(UInt64(c), digits: 2)
            default: bytes.append(c)
            }
        }
        bytes.append(0x22)
    }

    /// Appends raw UTF-8 text percent-encoded for a URL query (RFC 3986
    /// unreserved characters stay as they are).
    mutating func percentEncoded(_ raw: [UInt8]) {
        for c in raw {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                bytes.append(c)
            default:
                bytes.append(UInt8(ascii: "%"))
                hex(UInt64(c), digits: 2, upper: true)
            }
        }
    }

    /// Appends a quoted JSON string from a literal that needs no escaping.
    @inline(__always)
    mutating func quoted(_ s: StaticString) {
        bytes.append(0x22)
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
    }

    /// Appends a non-negative integer in decimal.
    mutating func int(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(UInt64(value.magnitude))
        } else {
            uint(UInt64(value))
        }
    }

    mutating func uint(_ value: UInt64) {
        if value < 10 {
            bytes.append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digits of scratch
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { scratch in
            while v > 0 {
                scratch[23 - count] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)  // trap-ok: count < 20
                v /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// Appends `value` with at least `width` digits (leading zeros).
    mutating func padded(_ value: Int, width: Int) {
        let v = max(0, value)
        var digits = 1
        var t = v
        while t >= 10 { t /= 10; digits += 1 }
        var zeros = width - digits
        while zeros > 0 { bytes.append(0x30); zeros -= 1 }
        uint(UInt64(v))
    }

    @inline(__always)
    mutating func two(_ v: Int) {
        bytes.append(0x30 &+ UInt8(truncatingIfNeeded: (v / 10) % 10))
        bytes.append(0x30 &+ UInt8(truncatingIfNeeded: v % 10))
    }

    /// Appends an amount of money given in cents as a JSON number: `129.9`,
    /// `199`, `0.5`.
    mutating func cents(_ c: Int) {
        let c = max(0, c)
        uint(UInt64(c / 100))
        let frac = c % 100
        if frac == 0 { return }
        bytes.append(UInt8(ascii: "."))
        bytes.append(0x30 &+ UInt8(truncatingIfNeeded: frac / 10))
        if frac % 10 != 0 { bytes.append(0x30 &+ UInt8(truncatingIfNeeded: frac % 10)) }
    }

    /// Appends an amount of money in cents with exactly two decimals, as text
    /// for a JSON string: `199.00`.
    mutating func centsFixed(_ c: Int) {
        let c = max(0, c)
        uint(UInt64(c / 100))
        bytes.append(UInt8(ascii: "."))
        two(c % 100)
    }

    /// Appends an ISO 8601 UTC time with milliseconds, unquoted:
    /// `2025-06-18T12:34:56.789Z`.
    mutating func iso(_ millis: Int64) {
        var cache = CivilCache()
        isoCore(millis, offsetMinutes: 0, cache: &cache)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// ``iso(_:)`` reusing the calendar date of the previous call when the day is the same.
    mutating func iso(_ millis: Int64, cache: inout CivilCache) {
        isoCore(millis, offsetMinutes: 0, cache: &cache)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Appends an ISO 8601 local time with an explicit offset, unquoted:
    /// `2025-06-18T20:34:56.789+08:00`.
    mutating func isoLocal(_ millis: Int64, offsetMinutes: Int) {
        var cache = CivilCache()
        isoCore(millis, offsetMinutes: offsetMinutes, cache: &cache)
        let m = abs(offsetMinutes)
        bytes.append(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        two(m / 60)
        bytes.append(UInt8(ascii: ":"))
        two(m % 60)
    }

    private mutating func isoCore(_ millis: Int64, offsetMinutes: Int, cache: inout CivilCache) {
        let local = millis + Int64(offsetMinutes) * 60_000
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        let msOfDay = Int(local - days * 86_400_000)
        if cache.day != days {
            cache.day = days
            (cache.year, cache.month, cache.dayOfMonth) = civilDate(days)
        }
        let y = cache.year
        let m = cache.month
        let d = cache.dayOfMonth
        let seconds = msOfDay / 1000
        let ms = msOfDay % 1000
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 23) { buf in
            // trap-ok: every index below is < 23
            let year = min(max(0, y), 9999)
            buf[0] = 0x30 &+ UInt8(truncatingIfNeeded: year / 1000)
            buf[1] = 0x30 &+ UInt8(truncatingIfNeeded: (year / 100) % 10)
            buf[2] = 0x30 &+ UInt8(truncatingIfNeeded: (year / 10) % 10)
            buf[3] = 0x30 &+ UInt8(truncatingIfNeeded: year % 10)
            buf[4] = UInt8(ascii: "-")
            buf[5] = 0x30 &+ UInt8(truncatingIfNeeded: m / 10)
            buf[6] = 0x30 &+ UInt8(truncatingIfNeeded: m % 10)
            buf[7] = UInt8(ascii: "-")
            buf[8] = 0x30 &+ UInt8(truncatingIfNeeded: d / 10)
            buf[9] = 0x30 &+ UInt8(truncatingIfNeeded: d % 10)
            buf[10] = UInt8(ascii: "T")
            let hh = seconds / 3600
            let mm = (seconds / 60) % 60
            let ss = seconds % 60
            buf[11] = 0x30 &+ UInt8(truncatingIfNeeded: hh / 10)
            buf[12] = 0x30 &+ UInt8(truncatingIfNeeded: hh % 10)
            buf[13] = UInt8(ascii: ":")
            buf[14] = 0x30 &+ UInt8(truncatingIfNeeded: mm / 10)
            buf[15] = 0x30 &+ UInt8(truncatingIfNeeded: mm % 10)
            buf[16] = UInt8(ascii: ":")
            buf[17] = 0x30 &+ UInt8(truncatingIfNeeded: ss / 10)
            buf[18] = 0x30 &+ UInt8(truncatingIfNeeded: ss % 10)
            buf[19] = UInt8(ascii: ".")
            buf[20] = 0x30 &+ UInt8(truncatingIfNeeded: ms / 100)
            buf[21] = 0x30 &+ UInt8(truncatingIfNeeded: (ms / 10) % 10)
            buf[22] = 0x30 &+ UInt8(truncatingIfNeeded: ms % 10)
            bytes.append(contentsOf: UnsafeBufferPointer(buf))
        }
    }

    /// Appends a calendar date `YYYY-MM-DD` (unquoted) for days since 1970.
    mutating func date(days: Int64) {
        let (y, m, d) = civilDate(days)
        padded(y, width: 4)
        bytes.append(UInt8(ascii: "-"))
        two(m)
        bytes.append(UInt8(ascii: "-"))
        two(d)
    }

    private static let lowerHex: StaticString = "0123456789abcdef"
    private static let upperHex: StaticString = "0123456789ABCDEF"

    /// Appends `digits` (at most 16) hex digits of `value`, most significant first.
    @inline(__always)
    mutating func hex(_ value: UInt64, digits: Int, upper: Bool = false) {
        let table = (upper ? Self.upperHex : Self.lowerHex).utf8Start
        let n = min(max(0, digits), 16)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
            var v = value
            var i = n - 1
            while i >= 0 {
                buf[i] = table[Int(v & 0xF)]  // trap-ok: i < n <= 16, nibble < 16
                v >>= 4
                i -= 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<n]))
        }
    }

    /// Appends a UUID-shaped id (unquoted) made of the two 64-bit halves.
    mutating func uuid(_ high: UInt64, _ low: UInt64, upper: Bool = false) {
        let table = (upper ? Self.upperHex : Self.lowerHex).utf8Start
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { buf in
            var v = high
            var i = 18
            while i > 0 {
                i -= 1
                if i == 8 || i == 13 { buf[i] = UInt8(ascii: "-"); continue }  // trap-ok: i < 36
                buf[i] = table[Int(v & 0xF)]  // trap-ok: i < 36, nibble < 16
                v >>= 4
            }
            buf[18] = UInt8(ascii: "-")  // trap-ok: 18 < 36
            v = low
            i = 36
            while i > 19 {
                i -= 1
                if i == 23 { buf[i] = UInt8(ascii: "-"); continue }  // trap-ok: i < 36
                buf[i] = table[Int(v & 0xF)]  // trap-ok: i < 36, nibble < 16
                v >>= 4
            }
            bytes.append(contentsOf: UnsafeBufferPointer(buf))
        }
    }

    /// Appends `count` characters of a WeChat-style id alphabet from random bits.
    mutating func base64ish(_ value: UInt64, count: Int) {
        var v = value
        for _ in 0..<count {
            let i = Int(v & 63)
            bytes.append(DemoTables.idAlphabet[i])  // trap-ok: i < 64, alphabet has 64 entries
            v >>= 6
        }
    }
}
