import RapportAudience
import RapportCore

/// What an AARRR report reads, its texts parsed.
public struct AARRRQuery: Sendable {
    /// Acquisition dimensions: a name and the path whose first-touch value splits new profiles
    /// (``EventPath/source``: the channel).
    public var acquisition: [(name: String, path: EventPath)]
    public var activation: EventFilter?
    /// The return event; any event when `nil`.
    public var returns: EventFilter?
    public var purchase: EventFilter
    public var amount: EventPath?
    public var invites: [EventFilter]
    public var referred: EventFilter?
    public var options: AARRR.Options
    /// How long after a profile's first event a first touch may come.
    public var firstTouchWithin: Int64 = Timestamp.millisPerDay

    public init(acquisition: [(name: String, path: EventPath)], activation: EventFilter?, returns: EventFilter?,
                purchase: EventFilter, amount: EventPath?, invites: [EventFilter], referred: EventFilter?,
                options: AARRR.Options) {
        self.acquisition = acquisition
        self.activation = activation
        self.returns = returns
        self.purchase = purchase
        self.amount = amount
        self.invites = invites
        self.referred = referred
        self.options = options
    }

    /// Every event path the report reads.
    public var paths: Set<EventPath> {
        var out = Set(acquisition.map(\.path))
        out.insert(.source)
        if let amount { out.insert(amount) }
        for f in [activation, returns, purchase, referred].compactMap({ $0 }) + invites {
            out.formUnion(Condition.events(.did(f)).eventPathsReferred)
        }
        return out
    }
}

extension AARRR {
    /// The report of an audience: the columns read from its index as `q` asks, then ``report(_:_:)``.
    /// `label` names a first touch's or a purchase's value at a path (`nil`: none).
    public static func report(_ audience: inout Audience, _ q: AARRRQuery,
                              label: (JSONValue, EventPath) -> String?) throws(RapportError) -> AARRRReport {
        let span = q.options.activeDays
        let (firstSeen, active) = audience.activity(firstDay: span.lowerBound, dayCount: span.count,
                                                    offsetMinutes: q.options.offsetMinutes)
        var input = Input(firstSeen: firstSeen, active: active)
        func name(_ v: JSONValue?, _ path: EventPath) -> String? {
            guard let v, v != .null else { return nil }
            return label(v, path)
        }
        input.acquisition = q.acquisition.map { dimension in
            Labels(name: dimension.name, ofPosition: audience.firstTouch(dimension.path, firstSeen: firstSeen,
                                                                        within: q.firstTouchWithin).map { name($0, dimension.path) })
        }
        func events(_ f: EventFilter?) -> Retention.Events {
            guard let f else { return Retention.Events() }
            let o = audience.occurrences(of: f)
            return Retention.Events(customers: o.positions, times: o.times)
        }
        input.activation = events(q.activation)
        input.referred = events(q.referred)
        for f in q.invites {
            let e = events(f)
            input.invites.customers += e.customers
            input.invites.times += e.times
        }
        let purchases = audience.occurrences(of: q.purchase, reading: [q.amount ?? .source, .source])
        input.purchases = Retention.Events(customers: purchases.positions, times: purchases.times)
        input.amounts = (0..<purchases.count).map { i in q.amount == nil ? 0 : purchases.number(i, path: 0) ?? 0 }
        input.purchaseChannels = (0..<purchases.count).map { name(purchases.value($0, path: 1), .source) }
        if let r = q.returns {
            let o = audience.occurrences(of: r)
            var days = DayBits(positions: firstSeen.count, firstDay: span.lowerBound, dayCount: span.count)
            for i in 0..<min(o.positions.count, o.times.count) {
                days.set(Int(o.positions[i]), day: CalendarPeriod.day(ofMillis: o.times[i], offsetMinutes: q.options.offsetMinutes))  // trap-ok: i < count of both
            }
            input.returns = days
        }
        return try report(input, q.options)
    }
}
