import RapportCore

/// Reads one purchase from a line of a transactions file — for
/// `rapport import orders --format cdnow`, `rapport rfm` and the benchmarks —
/// byte by byte, since files run to millions of lines.
public enum PurchaseLine {
    /// A line of the CDNOW data set (Fader & Hardie): the master file's
    /// `id YYYYMMDD cds dollars` or the sample's `master-id sample-id
    /// YYYYMMDD cds dollars`, columns separated by spaces or tabs. The
    /// customer is the (master) id; `nil` for a blank line, or for the header
    /// when `mayBeHeader` (the first line of a file).
    public static func cdnow(_ line: some Collection<UInt8>, mayBeHeader: Bool = true) throws(RapportError)
        -> (customer: Int64, day: Int, cds: Int64, cents: Int64)?
    {
        var fields: [ArraySlice<UInt8>] = []
        var current: [UInt8] = []
        for b in line {
            if b == 0x20 || b == 0x09 || b == 0x0D {
                if !current.isEmpty { fields.append(current[...]); current.removeAll(keepingCapacity: true) }
            } else {
                guard fields.count < 5 else {
                    throw RapportError(.invalidCSV, "expected 4 (master) or 5 (sample) columns, found more")
                }
                current.append(b)
            }
        }
        if !current.isEmpty { fields.append(current[...]) }
        if fields.isEmpty { return nil }
        guard fields.count == 4 || fields.count == 5 else {
            throw RapportError(.invalidCSV, "expected 4 (master) or 5 (sample) columns, found \(fields.count)")
        }
        let idField = fields[0]  // trap-ok: count checked
        let dateField = fields[fields.count - 3], cdsField = fields[fields.count - 2]  // trap-ok: count ≥ 4
        let amountField = fields[fields.count - 1]  // trap-ok: count ≥ 4
        guard let id = integer(idField) else {
            // The header line names its columns: no field of it starts with a digit.
            if mayBeHeader, fields.allSatisfy({ $0.first.map { !(0x30...0x39).contains($0) } ?? true }) { return nil }
            throw RapportError(.invalidCSV, "customer id \"\(text(idField))\" is not a number")
        }
        guard let day = yyyymmdd(dateField) else {
            throw RapportError(.invalidTimestamp, "cannot read the date \"\(text(dateField))\" (YYYYMMDD)")
        }
        guard let cds = integer(cdsField) else {
            throw RapportError(.invalidCSV, "number of CDs \"\(text(cdsField))\" is not a count")
        }
        guard let cents = cents(amountField) else {
            throw RapportError(.invalidCSV, "dollar value \"\(text(amountField))\" is not an amount")
        }
        return (id, day, cds, cents)
    }

    /// A decimal amount (`12`, `-3.5`, `11.77`, `0.005`) in hundredths,
    /// rounded half away from zero; `nil` if it is not one or does not fit.
    public static func cents(_ bytes: some Collection<UInt8>) -> Int64? {
        var negative = false
        var whole: Int64 = 0
        var fraction = 0, fractionDigits = 0, roundUp = false
        var digits = 0, seenPoint = false
        for (i, b) in bytes.enumerated() {
            switch b {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "+") where i == 0: break
            case UInt8(ascii: ".") where !seenPoint: seenPoint = true
            case 0x30...0x39:
                let d = Int(b - 0x30)
                digits += 1
                if !seenPoint {
                    let (times, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (plus, o2) = times.addingReportingOverflow(Int64(d))
                    if o1 || o2 { return nil }
                    whole = plus
                } else if fractionDigits < 2 {
                    fraction = fraction * 10 + d
                    fractionDigits += 1
                } else if fractionDigits == 2 {
                    roundUp = d >= 5
                    fractionDigits += 1
                }
            default: return nil
            }
        }
        guard digits > 0 else { return nil }
        if fractionDigits == 1 { fraction *= 10 }
        let (hundreds, o1) = whole.multipliedReportingOverflow(by: 100)
        let (sum, o2) = hundreds.addingReportingOverflow(Int64(fraction + (roundUp ? 1 : 0)))
        if o1 || o2 { return nil }
        return negative ? -sum : sum
    }

    /// A `YYYYMMDD` date as days since 1970-01-01, or `nil`.
    public static func yyyymmdd(_ bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count == 8 else { return nil }
        var n = 0
        for b in bytes {
            guard (0x30...0x39).contains(b) else { return nil }
            n = n * 10 + Int(b - 0x30)
        }
        guard let days = Timestamp.validDays(year: n / 10_000, month: n / 100 % 100, day: n % 100) else { return nil }
        return Int(days)
    }

    /// A decimal integer that fits in 64 bits, or `nil`.
    static func integer(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var n: Int64 = 0
        for b in bytes {
            guard (0x30...0x39).contains(b) else { return nil }
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { return nil }
            n = plus
        }
        return n
    }

    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix(40), as: UTF8.self)
    }
}
