/// Parsing and formatting of ISO 8601 / RFC 3339 times as milliseconds since
/// 1970-01-01T00:00:00Z, with integer arithmetic only (proleptic Gregorian
/// calendar, days-from-civil), no Foundation.
///
/// Accepted by `parseISO8601(_:)`:
///
/// - `YYYY-MM-DD` (midnight UTC);
/// - `YYYY-MM-DDTHH:MM`, `…:SS`, `…:SS.f` with 1 to 9 fraction digits
///   (truncated to milliseconds); `t` or a space may stand for `T`;
/// - followed by `Z`, `z`, `±HH:MM`, `±HHMM`, `±HH`, or nothing (UTC).
///
/// Years are 0000–9999; months, days (month lengths, leap years), hours
/// 00–23, minutes 00–59 and seconds 00–60 are checked. A leap second (`:60`)
/// counts as the first second of the next minute. Hour `24` is rejected.
/// Offsets may be up to ±23:59. Nothing else (no surrounding whitespace, no
/// week or ordinal dates) is accepted.
public enum Timestamp {
    /// Milliseconds in a day.
    public static let millisPerDay: Int64 = 86_400_000

    /// Parses an ISO 8601 time (see ``Timestamp``); `nil` if it is not one.
    public static func parseISO8601(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = bytes.count
        guard n >= 10 else { return nil }
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? { number(bytes, at: at, count: count) }
        guard let days = date(bytes, at: 0) else { return nil }
        var i = 10
        if i == n { return days * millisPerDay }  // trap-ok: |days| < 3e6

        let separator = bytes[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == 0x20 else {
            return nil
        }
        guard let hour = digits(i + 1, 2), i + 3 < n, bytes[i + 3] == UInt8(ascii: ":"),
              let minute = digits(i + 4, 2), hour < 24, minute < 60
        else { return nil }
        i += 6
        var second = 0
        var millis = 0
        if i < n, bytes[i] == UInt8(ascii: ":") {
            guard let s = digits(i + 1, 2), s <= 60 else { return nil }
            second = s
            i += 3
            if i < n, bytes[i] == UInt8(ascii: ".") {
                i += 1
                var count = 0
                while i < n, bytes[i] &- 0x30 < 10 {
                    if count < 3 { millis = millis * 10 + Int(bytes[i] &- 0x30) }
                    count += 1
                    i += 1
                }
                guard (1...9).contains(count) else { return nil }
                for _ in count..<max(count, 3) { millis *= 10 }
            }
        }
        var offsetMinutes = 0
        if i < n {
            switch bytes[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let negative = bytes[i] == UInt8(ascii: "-")
                guard let hh = digits(i + 1, 2), hh < 24 else { return nil }
                i += 3
                var mm = 0
                if i < n, bytes[i] == UInt8(ascii: ":") {
                    guard let m = digits(i + 1, 2) else { return nil }
                    mm = m
                    i += 3
                } else if i < n {
                    guard let m = digits(i, 2) else { return nil }
                    mm = m
                    i += 2
                }
                guard mm < 60 else { return nil }
                offsetMinutes = (hh * 60 + mm) * (negative ? -1 : 1)
            default:
                return nil
            }
        }
        guard i == n else { return nil }
        let seconds = Int64(((hour * 60 + minute) * 60 + second) - offsetMinutes * 60)
        return days * millisPerDay + seconds * 1000 + Int64(millis)  // trap-ok: |days| < 3e6
    }

    /// Parses an ISO 8601 time (see ``Timestamp``); `nil` if it is not one.
    public static func parseISO8601(_ text: some StringProtocol) -> Int64? {
        withBytes(text, parseISO8601)
    }

    /// Parses an ISO 8601 time (see ``Timestamp``); `nil` if it is not one.
    public static func parseISO8601(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBufferPointer(parseISO8601)
    }

    /// Parses a `YYYY-MM-DD` date as milliseconds at midnight UTC.
    public static func parseDate(_ text: some StringProtocol) -> Int64? {
        withBytes(text) { bytes in
            guard bytes.count == 10, let days = date(bytes, at: 0) else { return nil }
            return days * millisPerDay  // trap-ok: |days| < 3e6
        }
    }

    /// Parses a compact `YYYYMMDD` date (as in the CDNOW data set) as
    /// milliseconds at midnight UTC.
    public static func parseYYYYMMDD(_ text: some StringProtocol) -> Int64? {
        withBytes(text) { bytes in
            guard bytes.count == 8,
                  let year = number(bytes, at: 0, count: 4),
                  let month = number(bytes, at: 4, count: 2),
                  let day = number(bytes, at: 6, count: 2),
                  let days = validDays(year: year, month: month, day: day)
            else { return nil }
            return days * millisPerDay  // trap-ok: |days| < 3e6
        }
    }

    /// Formats milliseconds since 1970 as `2024-05-01T10:20:30.123Z` (always
    /// UTC, always milliseconds). Years outside 0000–9999 get a sign and as
    /// many digits as they need (`+12345-…`, `-0001-…`).
    public static func formatISO8601(_ millis: Int64) -> String {
        var days = millis / millisPerDay
        var rest = millis % millisPerDay
        if rest < 0 {
            rest += millisPerDay
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        let ms = Int(rest % 1000)
        let secondOfDay = Int(rest / 1000)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        @inline(__always) func append(_ v: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(truncatingIfNeeded: 0x30 + v / divisor % 10))
                divisor /= 10
            }
        }
        if (0...9999).contains(year) {
            append(Int(year), width: 4)
        } else {
            var text = String(year.magnitude)
            while text.utf8.count < 4 { text = "0" + text }
            out.append(year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: text.utf8)
        }
        out.append(UInt8(ascii: "-"))
        append(month, width: 2)
        out.append(UInt8(ascii: "-"))
        append(day, width: 2)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        out.append(UInt8(ascii: "."))
        append(ms, width: 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Calendar arithmetic

    /// Days since 1970-01-01 of a proleptic Gregorian date. The day may lie
    /// outside the month (`day: 0` is the last day of the month before).
    /// Arguments are clamped (year to ±10^12, month to 1–12, day to ±10^9)
    /// so no input overflows.
    public static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        let year = min(max(year, -1_000_000_000_000), 1_000_000_000_000)
        let m = Int64(min(max(month, 1), 12))
        let d = Int64(min(max(day, -1_000_000_000), 1_000_000_000))
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (`days` is
    /// clamped to ±10^15, far beyond any time in `Int64` milliseconds).
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = min(max(days, -1_000_000_000_000_000), 1_000_000_000_000_000) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, Int(m), Int(d))
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1–12) of `year`.
    public static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Helpers

    /// Days since 1970 of a valid date, or `nil`.
    public static func validDays(year: Int, month: Int, day: Int) -> Int64? {
        guard (0...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= daysInMonth(year: Int64(year), month: month)
        else { return nil }
        return daysFromCivil(year: Int64(year), month: month, day: day)
    }

    /// Days since 1970 of the `YYYY-MM-DD` at `at`, or `nil`.
    @inline(__always)
    static func date(_ bytes: UnsafeBufferPointer<UInt8>, at: Int) -> Int64? {
        guard at >= 0, at + 10 <= bytes.count,
              bytes[at + 4] == UInt8(ascii: "-"), bytes[at + 7] == UInt8(ascii: "-"),
              let year = number(bytes, at: at, count: 4),
              let month = number(bytes, at: at + 5, count: 2),
              let day = number(bytes, at: at + 8, count: 2)
        else { return nil }
        return validDays(year: year, month: month, day: day)
    }

    /// The decimal number in `count` (at most 9) digits at `at`, or `nil`.
    @inline(__always)
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, at: Int, count: Int) -> Int? {
        guard at >= 0, count <= 9, at + count <= bytes.count else { return nil }
        var v = 0
        for i in at..<(at + count) {
            let d = bytes[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)  // trap-ok: at most 9 digits
        }
        return v
    }

    static func withBytes(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> Int64?) -> Int64? {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }
}
