import RapportAudience
import RapportCore

/// The pirate metrics per period: acquisition, activation, retention, revenue
/// and referral, from a report's columns.
///
/// Definitions (every day is read in the report's zone):
/// - **New profiles** of a period: first event (of any kind) in it.
///   Acquisition splits them by first-touch values (``AARRR/Input/acquisition``).
/// - **Activation**: a new profile did the activation event within N days of
///   its first event. Only profiles whose N days are over are *eligible*; the
///   rate is over them.
/// - **Retention** Dn: a new profile was active (did the return event) on the
///   n-th day after the day of its first event; W1: on any of days 7 … 13.
///   Eligible once that day (the last of those days) is over.
/// - **Revenue**: *active* profiles had any event in the period, *paying*
///   ones a purchase. Paying rate = paying ÷ active, ARPU = revenue ÷ active,
///   ARPPU = revenue ÷ paying, repeat rate = the paying profiles with two or
///   more purchases by the period's end (any earlier one counts) ÷ paying.
/// - **Referral**: invites sent in the period and who sent them; *referred*:
///   new profiles that did the referred event within N days of their first
///   event. Invites per active = invites ÷ active, invite conversion =
///   referred ÷ invites, viral coefficient K = their product (referred ÷
///   active): the new profiles each active one brought in.
public enum AARRR {
    /// Per position, one label (`nil`: none): first-touch values of a dimension.
    public struct Labels: Sendable {
        public var name: String
        public var ofPosition: [String?]

        public init(name: String, ofPosition: [String?]) {
            self.name = name
            self.ofPosition = ofPosition
        }
    }

    /// What the metrics are computed from; positions are dense profile numbers.
    public struct Input: Sendable {
        /// Each position's first event (`Int64.max`: none).
        public var firstSeen: [Int64]
        /// The days each position had any event.
        public var active: DayBits
        /// The days each position did the return event; `active` when `nil`.
        public var returns: DayBits?
        public var acquisition: [Labels] = []
        public var activation = Retention.Events()
        public var purchases = Retention.Events()
        /// One per purchase.
        public var amounts: [Double] = []
        /// One per purchase: the channel it came in through (`nil`: unknown).
        public var purchaseChannels: [String?] = []
        public var invites = Retention.Events()
        public var referred = Retention.Events()

        public init(firstSeen: [Int64], active: DayBits) {
            self.firstSeen = firstSeen
            self.active = active
        }
    }

    /// The periods reported and how.
    public struct Options: Sendable {
        public var period: CalendarPeriod
        /// The first and last period reported, by their numbers (``CalendarPeriod/index(ofDay:)``).
        public var periods: ClosedRange<Int64>
        public var activationDays: Int
        /// The time of the report: days after it count as not over.
        public var now: Int64
        public var offsetMinutes: Int

        public init(period: CalendarPeriod, periods: ClosedRange<Int64>, activationDays: Int = 7, now: Int64,
                    offsetMinutes: Int = 0) {
            self.period = period
            self.periods = periods
            self.activationDays = activationDays
            self.now = now
            self.offsetMinutes = offsetMinutes
        }

        /// The days the periods cover.
        public var days: Range<Int64> {
            period.firstDay(ofIndex: periods.lowerBound)..<period.firstDay(ofIndex: periods.upperBound &+ 1)
        }

        /// The days `Input.active` must cover: the periods and the 30 days after them, up to today.
        public var activeDays: Range<Int64> {
            let today = CalendarPeriod.day(ofMillis: now, offsetMinutes: offsetMinutes)
            return days.lowerBound..<max(days.lowerBound, min(days.upperBound &+ 31, today &+ 1))
        }
    }

    /// The metrics over many periods must stay interactive: at most this many.
    public static let maxPeriods = 400
    /// The longest activation window, in days.
    public static let maxActivationDays = 365

    /// The report of `input` over the periods of `options`.
    public static func report(_ input: Input, _ options: Options) throws(RapportError) -> AARRRReport {
        let span = options.periods.upperBound &- options.periods.lowerBound
        guard span >= 0, span < Int64(maxPeriods) else {
            throw RapportError(.invalidArgument, "an AARRR report covers 1 to \(maxPeriods) periods")
        }
        guard (1...maxActivationDays).contains(options.activationDays) else {
            throw RapportError(.invalidArgument, "the activation window is 1 to \(maxActivationDays) days")
        }
        var builder = Builder(input: input, options: options, count: Int(span) + 1)
        builder.acquisitionAndActivation()
        builder.retention()
        builder.actives()
        builder.purchases()
        builder.referrals()
        return builder.finish()
    }
}

/// The AARRR metrics of each period, and of all of them together.
public struct AARRRReport: Sendable, Equatable, Codable {
    /// A share of those eligible.
    public struct Rate: Sendable, Equatable, Codable {
        public var eligible = 0
        public var count = 0
        public var rate: Double? { eligible > 0 ? Double(count) / Double(eligible) : nil }

        public init(eligible: Int = 0, count: Int = 0) {
            self.eligible = eligible
            self.count = count
        }

        enum CodingKeys: String, CodingKey { case eligible, count, rate }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            eligible = try c.decode(Int.self, forKey: .eligible)
            count = try c.decode(Int.self, forKey: .count)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(eligible, forKey: .eligible)
            try c.encode(count, forKey: .count)
            try c.encode(rate, forKey: .rate)
        }
    }

    public struct Period: Sendable, Equatable, Codable {
        /// The first day (days since 1970).
        public var start: Int64
        /// Whether the period is over.
        public var complete = false
        public var newProfiles = 0
        /// Per acquisition dimension (as asked), new profiles per first-touch value ("(none)": none).
        public var acquisition: [String: [String: Int]] = [:]
        public var activation = Rate()
        public var d1 = Rate(), d7 = Rate(), d30 = Rate(), w1 = Rate()
        public var activeProfiles = 0
        public var payingProfiles = 0
        public var repeatProfiles = 0
        public var orders = 0
        public var revenue = 0.0
        public var revenueByChannel: [String: Double] = [:]
        public var invites = 0
        public var inviters = 0
        public var referred = 0

        public init(start: Int64) { self.start = start }

        public var payingRate: Double? { activeProfiles > 0 ? Double(payingProfiles) / Double(activeProfiles) : nil }
        public var arpu: Double? { activeProfiles > 0 ? revenue / Double(activeProfiles) : nil }
        public var arppu: Double? { payingProfiles > 0 ? revenue / Double(payingProfiles) : nil }
        public var repeatRate: Double? { payingProfiles > 0 ? Double(repeatProfiles) / Double(payingProfiles) : nil }
        public var invitesPerActive: Double? { activeProfiles > 0 ? Double(invites) / Double(activeProfiles) : nil }
        public var inviteConversion: Double? { invites > 0 ? Double(referred) / Double(invites) : nil }
        /// Invites per active × invite conversion: the new profiles each active profile brought in.
        public var viralCoefficient: Double? { activeProfiles > 0 ? Double(referred) / Double(activeProfiles) : nil }
    }

    public var period: CalendarPeriod
    public var activationDays: Int
    public var periods: [Period] = []
    /// All the periods together (distinct profiles over the whole range).
    public var total: Period

    /// Counts or sums by label, largest first (ties by label).
    public static func ranked<V: Comparable>(_ values: [String: V]) -> [(key: String, value: V)] {
        values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}

extension AARRR {
    /// Works the report out a part at a time; bucket `count` is the total.
    struct Builder {
        let input: Input
        let options: Options
        let count: Int
        let days: Range<Int64>
        let today: Int64
        /// Each period's first day, and the day after the last one.
        let bounds: [Int64]
        let n: Int
        var out: [AARRRReport.Period]
        /// Each new position's bucket (-1: not new in the range).
        var cohort: [Int32]
        var firstDay: [Int64]

        init(input: Input, options: Options, count: Int) {
            self.input = input
            self.options = options
            self.count = count
            days = options.days
            today = CalendarPeriod.day(ofMillis: options.now, offsetMinutes: options.offsetMinutes)
            bounds = (0...count).map { options.period.firstDay(ofIndex: options.periods.lowerBound &+ Int64($0)) }
            n = input.firstSeen.count
            out = bounds.dropLast().map { AARRRReport.Period(start: $0) } + [AARRRReport.Period(start: days.lowerBound)]
            for b in 0..<count { out[b].complete = bounds[b + 1] <= today }  // trap-ok: b < count, bounds has count + 1
            out[count].complete = days.upperBound <= today  // trap-ok: count + 1 periods
            cohort = Array(repeating: -1, count: n)
            firstDay = Array(repeating: .max, count: n)
        }

        /// The bucket of a day in the range, or nil.
        func bucket(_ day: Int64) -> Int? {
            guard days.contains(day) else { return nil }
            let b = Int(options.period.index(ofDay: day) &- options.periods.lowerBound)
            return b >= 0 && b < count ? b : nil
        }

        func day(_ t: Int64) -> Int64 { CalendarPeriod.day(ofMillis: t, offsetMinutes: options.offsetMinutes) }

        mutating func acquisitionAndActivation() {
            let window = Int64(options.activationDays) &* Timestamp.millisPerDay
            var activated = [Bool](repeating: false, count: n)
            for i in 0..<input.activation.count {
                let pos = Int(input.activation.customers[i]), t = input.activation.times[i]  // trap-ok: i < count
                guard pos < n, input.firstSeen[pos] != .max else { continue }  // trap-ok: checked
                let f = input.firstSeen[pos]  // trap-ok: checked
                if t >= f, t &- f < window { activated[pos] = true }  // trap-ok: checked
            }
            for pos in 0..<n {
                let f = input.firstSeen[pos]  // trap-ok: pos < n
                guard f != .max, let b = bucket(day(f)) else { continue }
                cohort[pos] = Int32(b)  // trap-ok: pos < n
                firstDay[pos] = day(f)  // trap-ok: same
                let eligible = f <= options.now &- window
                out[b].newProfiles += 1  // trap-ok: b < count
                for labels in input.acquisition {
                    let label = pos < labels.ofPosition.count ? labels.ofPosition[pos] ?? "(none)" : "(none)"  // trap-ok: checked
                    out[b].acquisition[labels.name, default: [:]][label, default: 0] += 1  // trap-ok: b < count
                }
                if eligible {
                    out[b].activation.eligible += 1  // trap-ok: same
                    if activated[pos] { out[b].activation.count += 1 }  // trap-ok: same
                }
            }
        }

        mutating func retention() {
            let returns = input.returns ?? input.active
            let nths: [(Int, WritableKeyPath<AARRRReport.Period, AARRRReport.Rate>)] = [(1, \.d1), (7, \.d7), (30, \.d30)]
            for pos in 0..<n where cohort[pos] >= 0 {  // trap-ok: pos < n
                let b = Int(cohort[pos]), f = firstDay[pos]  // trap-ok: same
                for (nth, key) in nths where f &+ Int64(nth) < today {
                    out[b][keyPath: key].eligible += 1  // trap-ok: b < count
                    if returns.contains(pos, day: f &+ Int64(nth)) { out[b][keyPath: key].count += 1 }  // trap-ok: same
                }
                if f &+ 13 < today {
                    out[b].w1.eligible += 1  // trap-ok: same
                    if returns.containsAny(pos, days: (f &+ 7)..<(f &+ 14)) { out[b].w1.count += 1 }  // trap-ok: same
                }
            }
        }

        mutating func actives() {
            for pos in 0..<n {
                var any = false
                for b in 0..<count where input.active.containsAny(pos, days: bounds[b]..<bounds[b + 1]) {  // trap-ok: b < count
                    out[b].activeProfiles += 1  // trap-ok: same
                    any = true
                }
                if any { out[count].activeProfiles += 1 }  // trap-ok: count + 1 periods
            }
        }

        /// Each position's occurrences in time order: `order` lists occurrence numbers grouped by position,
        /// position `p`'s from `start[p]` to `start[p + 1]`.
        static func grouped(_ events: Retention.Events, positions n: Int) -> (start: [Int], order: [Int]) {
            var start = [Int](repeating: 0, count: n + 1)
            for i in 0..<events.count where Int(events.customers[i]) < n { start[Int(events.customers[i]) + 1] += 1 }  // trap-ok: checked
            for p in 0..<n { start[p + 1] += start[p] }  // trap-ok: p + 1 ≤ n
            var fill = start
            var order = [Int](repeating: 0, count: start[n])  // trap-ok: n + 1 entries
            for i in 0..<events.count where Int(events.customers[i]) < n {  // trap-ok: checked
                let p = Int(events.customers[i])  // trap-ok: same
                order[fill[p]] = i  // trap-ok: fill[p] < start[p + 1]
                fill[p] += 1  // trap-ok: p < n
            }
            for p in 0..<n where start[p + 1] - start[p] > 1 {  // trap-ok: p + 1 ≤ n
                order[start[p]..<start[p + 1]].sort { events.times[$0] < events.times[$1] }  // trap-ok: ranges of order; occurrences
            }
            return (start, order)
        }

        mutating func purchases() {
            let p = input.purchases
            let (start, order) = Self.grouped(p, positions: n)
            for pos in 0..<n where start[pos + 1] > start[pos] {  // trap-ok: pos + 1 ≤ n
                var seenBucket = -1, seenTotal = false
                var repeatBucket = -1, repeatTotal = false
                for (j, i) in order[start[pos]..<start[pos + 1]].enumerated() {  // trap-ok: ranges of order
                    guard let b = bucket(day(p.times[i])) else { continue }  // trap-ok: occurrence numbers
                    let amount = i < input.amounts.count && input.amounts[i].isFinite ? input.amounts[i] : 0  // trap-ok: checked
                    let channel = i < input.purchaseChannels.count ? input.purchaseChannels[i] ?? "(none)" : "(none)"  // trap-ok: checked
                    out[b].orders += 1  // trap-ok: b < count
                    out[b].revenue += amount  // trap-ok: same
                    out[b].revenueByChannel[channel, default: 0] += amount  // trap-ok: same
                    // Purchases come in time order: the first in a period counts the payer, and the buyer
                    // repeats there if this is their second purchase or later (`j` earlier ones, any time).
                    if seenBucket != b { out[b].payingProfiles += 1; seenBucket = b }  // trap-ok: same
                    if !seenTotal { out[count].payingProfiles += 1; seenTotal = true }  // trap-ok: count + 1
                    if j >= 1 {
                        if repeatBucket != b { out[b].repeatProfiles += 1; repeatBucket = b }  // trap-ok: same
                        if !repeatTotal { out[count].repeatProfiles += 1; repeatTotal = true }  // trap-ok: same
                    }
                }
            }
        }

        mutating func referrals() {
            let inv = input.invites
            let (start, order) = Self.grouped(inv, positions: n)
            for pos in 0..<n where start[pos + 1] > start[pos] {  // trap-ok: pos + 1 ≤ n
                var seenBucket = -1, seenTotal = false
                for i in order[start[pos]..<start[pos + 1]] {  // trap-ok: ranges of order
                    guard let b = bucket(day(inv.times[i])) else { continue }  // trap-ok: occurrence numbers
                    out[b].invites += 1  // trap-ok: b < count
                    out[count].invites += 1  // trap-ok: count + 1
                    if seenBucket != b { out[b].inviters += 1; seenBucket = b }  // trap-ok: same
                    if !seenTotal { out[count].inviters += 1; seenTotal = true }  // trap-ok: same
                }
            }
            let window = Int64(options.activationDays) &* Timestamp.millisPerDay
            var referred = [Bool](repeating: false, count: n)
            for i in 0..<input.referred.count {
                let pos = Int(input.referred.customers[i]), t = input.referred.times[i]  // trap-ok: i < count
                guard pos < n, cohort[pos] >= 0 else { continue }  // trap-ok: checked
                let f = input.firstSeen[pos]  // trap-ok: checked
                if t >= f, t &- f < window { referred[pos] = true }  // trap-ok: same
            }
            for pos in 0..<n where referred[pos] {  // trap-ok: pos < n
                out[Int(cohort[pos])].referred += 1  // trap-ok: cohort < count
            }
        }

        /// The report: the total adds up what each profile or event counts in one period only.
        func finish() -> AARRRReport {
            var total = out[count]  // trap-ok: count + 1 periods
            for p in out.prefix(count) {
                total.newProfiles += p.newProfiles
                for (dimension, counts) in p.acquisition {
                    total.acquisition[dimension, default: [:]].merge(counts, uniquingKeysWith: +)
                }
                for key in [\AARRRReport.Period.activation, \.d1, \.d7, \.d30, \.w1] {
                    total[keyPath: key].eligible += p[keyPath: key].eligible
                    total[keyPath: key].count += p[keyPath: key].count
                }
                total.orders += p.orders
                total.revenue += p.revenue
                total.revenueByChannel.merge(p.revenueByChannel, uniquingKeysWith: +)
                total.referred += p.referred
            }
            return AARRRReport(period: options.period, activationDays: options.activationDays,
                               periods: Array(out.prefix(count)), total: total)
        }
    }
}
