import RapportCore

/// Days, weeks (Monday to Sunday) and calendar months, numbered from 1970,
/// for reports that count per period. Times are read in a fixed offset from
/// UTC (a workspace's zone: +08:00 for China), so a purchase at 23:30 in
/// Shanghai counts on its Shanghai day.
public enum CalendarPeriod: String, Sendable, CaseIterable, Codable {
    case day, week, month

    /// The period's number for a day (days since 1970-01-01).
    public func index(ofDay day: Int64) -> Int64 {
        switch self {
        case .day: return day
        // 1970-01-01 was a Thursday: the Monday before it starts week 0.
        case .week: return Self.floorDivide(day + 3, 7)
        case .month:
            let c = Timestamp.civilFromDays(day)
            return c.year * 12 + Int64(c.month - 1)
        }
    }

    /// The first day of period `index`.
    public func firstDay(ofIndex index: Int64) -> Int64 {
        switch self {
        case .day: return index
        case .week: return index * 7 - 3
        case .month: return Timestamp.daysFromCivil(year: Self.floorDivide(index, 12), month: Int(index - Self.floorDivide(index, 12) * 12) + 1, day: 1)
        }
    }

    /// The day (days since 1970) of a time in milliseconds, at `offsetMinutes` from UTC.
    public static func day(ofMillis t: Int64, offsetMinutes: Int = 0) -> Int64 {
        let (shifted, overflow) = t.addingReportingOverflow(Int64(offsetMinutes) * 60_000)
        return floorDivide(overflow ? t : shifted, Timestamp.millisPerDay)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// A period number per day over a span of days, looked up instead of computed per event.
struct PeriodTable {
    let firstDay: Int64
    private var table: [Int32] = []
    let period: CalendarPeriod
    let base: Int64

    /// A table for days `range`; `nil` when the span is too long to tabulate (over ~1,100 years).
    init?(period: CalendarPeriod, days range: ClosedRange<Int64>) {
        let span = range.upperBound - range.lowerBound
        guard span >= 0, span < 400_000 else { return nil }
        self.period = period
        firstDay = range.lowerBound
        base = period.index(ofDay: range.lowerBound)
        table.reserveCapacity(Int(span) + 1)
        for d in range { table.append(Int32(truncatingIfNeeded: period.index(ofDay: d) - base)) }
    }

    /// The period of `day` relative to the first day's period.
    @inline(__always)
    func relative(_ day: Int64) -> Int32 {
        table[Int(day - firstDay)]  // trap-ok: callers pass days of the range the table was built for
    }
}
