import RapportAudience
import RapportCore
import RapportInsights

/// A funnel as the API and the CLI ask for it.
public struct FunnelSpec: Sendable, Equatable {
    /// Each step in the condition language's event form: `"Product Viewed"`, `"Order Completed" where revenue > 100`.
    public var steps: [String]
    public var windowMillis: Int64 = 30 * Timestamp.millisPerDay
    public var order: FunnelOrder = .sequential
    /// Entries from `from` up to, not including, `to` (milliseconds).
    public var from: Int64
    public var to: Int64
    public var breakdown: ReportBreakdown?
    public var trend: CalendarPeriod?
    /// The zone of dates and periods, in minutes from UTC (+480: China).
    public var offsetMinutes = 0

    public init(steps: [String], from: Int64, to: Int64) {
        self.steps = steps
        self.from = from
        self.to = to
    }
}

/// A retention matrix as the API and the CLI ask for it.
public struct RetentionSpec: Sendable, Equatable {
    /// The cohort event (event form, as a funnel step); the first event of any kind when `nil`.
    public var cohortEvent: String?
    /// The return event; the cohort event when `nil`.
    public var returnEvent: String?
    public var period: CalendarPeriod = .week
    public var periods = 8
    public var mode: Retention.Mode = .bounded
    public var segment: String?
    /// A matrix per group as well: by a trait's value or in a segment or not (the largest groups, the rest
    /// as "other").
    public var breakdown: ReportBreakdown?
    public var offsetMinutes = 0

    public init() {}
}

/// Reports: the use cases the API, the CLI and the console share.
extension Engine {
    /// A step's event filter from its text (`"Order Completed" where revenue > 100`, or `any event`).
    public static func eventFilter(_ text: String) throws -> EventFilter {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 2_000 else {
            throw RapportError(.invalidArgument, "a step is an event name, optionally with a where condition (1 to 2,000 bytes)")
        }
        // A bare name (no quotes, no where) is taken as it is written.
        if !trimmed.contains("\""), !trimmed.lowercased().contains(" where "), trimmed != "any event" {
            return EventFilter(name: trimmed)
        }
        let condition: Condition
        do {
            condition = try Condition.parse("did " + trimmed)
        } catch {
            throw RapportError(.invalidArgument, "the step \"\(trimmed)\" does not parse: \(error.message)")
        }
        guard case .events(let test) = condition, test.window == nil else {
            throw RapportError(.invalidArgument, "a step is an event with an optional where condition, not \"\(trimmed)\"")
        }
        return test.filter
    }

    /// A breakdown from its text: `trait:city`, `segment:vip`, `property:utm_campaign`, `context:campaign.source`,
    /// or `channel` (the source the event came in through).
    public static func breakdown(_ text: String) throws -> ReportBreakdown {
        // The source an event came in through: web, app, mini-program, store, CRM.
        if text == "channel" { return .property(.source) }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {  // trap-ok: count checked
            throw RapportError(.invalidArgument, "a breakdown is trait:NAME, segment:NAME, property:PATH or context:PATH")
        }
        let name = parts[1]  // trap-ok: count checked
        switch parts[0] {  // trap-ok: count checked
        case "trait": return .trait(name)
        case "segment": return .segment(name)
        case "property", "context":
            let path = (parts[0] == "context" ? ["context"] : ["properties"]) + name.split(separator: ".").map(String.init)  // trap-ok
            guard let p = EventPath(path) else { throw RapportError(.invalidArgument, "no such event path \"\(name)\"") }
            return .property(p)
        default:
            throw RapportError(.invalidArgument, "a breakdown is trait:NAME, segment:NAME, property:PATH or context:PATH")
        }
    }

    /// The funnel report of a workspace, and each profile's way through it.
    public func funnelReport(workspaceId ws: WorkspaceID, _ spec: FunnelSpec) async throws -> (FunnelReport, FunnelPaths) {
        let query = FunnelQuery(steps: try spec.steps.map(Self.eventFilter), window: spec.windowMillis, order: spec.order,
                                from: spec.from, to: spec.to)
        if let problem = query.problem { throw RapportError(.invalidArgument, problem) }
        return try await projector.funnel(query, labels: spec.steps, breakdown: spec.breakdown, trend: spec.trend,
                                          offsetMinutes: spec.offsetMinutes, workspaceId: ws)
    }

    /// The retention matrix of a workspace.
    public func retentionReport(workspaceId ws: WorkspaceID, _ spec: RetentionSpec) async throws -> Retention.Matrix {
        try await retentionReports(workspaceId: ws, spec).matrix
    }

    /// The retention matrix of a workspace, and one per group of the spec's breakdown (none without one).
    public func retentionReports(workspaceId ws: WorkspaceID, _ spec: RetentionSpec) async throws
        -> (matrix: Retention.Matrix, groups: [(label: String, matrix: Retention.Matrix)])
    {
        let cohort = try spec.cohortEvent.map(Self.eventFilter)
        guard let returns = try spec.returnEvent.map(Self.eventFilter) ?? cohort else {
            throw RapportError(.invalidArgument, "give the return event (or a cohort event, which then is both)")
        }
        let today = CalendarPeriod.day(ofMillis: clock.nowMillis(), offsetMinutes: spec.offsetMinutes)
        if case .property = spec.breakdown {
            throw RapportError(.invalidArgument, "retention breaks down by trait:NAME or segment:NAME")
        }
        return try await projector.retention(cohort: cohort, returns: returns, period: spec.period, periods: spec.periods,
                                             mode: spec.mode, segment: spec.segment, breakdown: spec.breakdown,
                                             offsetMinutes: spec.offsetMinutes, lastDay: today, workspaceId: ws)
    }
}

/// Paths from an anchor event as the API and the CLI ask for them.
public struct PathSpec: Sendable, Equatable {
    /// The anchor, in the event form of a funnel step.
    public var anchor: String
    public var after = true
    public var steps = 4
    public var from: Int64
    public var to: Int64
    public var collapseRepeats = true

    public init(anchor: String, from: Int64, to: Int64) {
        self.anchor = anchor
        self.from = from
        self.to = to
    }
}

extension Engine {
    /// Where profiles went after (or came from before) their first anchor event in the range.
    public func pathReport(workspaceId ws: WorkspaceID, _ spec: PathSpec) async throws -> PathReport {
        let query = PathQuery(anchor: try Self.eventFilter(spec.anchor), after: spec.after, steps: spec.steps,
                              from: spec.from, to: spec.to, collapseRepeats: spec.collapseRepeats)
        if let problem = query.problem { throw RapportError(.invalidArgument, problem) }
        let paths = try await projector.paths(query, workspaceId: ws)
        return PathReport(paths, anchor: spec.anchor, steps: spec.steps)
    }
}

/// An AARRR dashboard as the API and the CLI ask for it.
public struct AARRRSpec: Sendable, Equatable {
    public var period: CalendarPeriod = .week
    /// How many periods, ending with the one holding `end` (today when `nil`).
    public var periods = 12
    /// A time (milliseconds) in the last period shown; the report's time when `nil`.
    public var end: Int64?
    public var offsetMinutes = 0
    /// Acquisition dimensions: `channel` (the source events came in through), `property:PATH`,
    /// `context:PATH`.
    public var acquisition = ["channel", "context:campaign.source", "context:campaign.name"]
    /// The activation event (event form, as a funnel step); none when empty.
    public var activationEvent: String? = "Signed Up"
    public var activationDays = 7
    /// The return event of D1/D7/D30; any event when `nil`.
    public var returnEvent: String?
    /// The purchase event and its amount; the workspace's RFM model's (else `Order Completed`, `revenue`)
    /// when `nil`.
    public var purchaseEvent: String?
    public var amountProperty: String?
    public var inviteEvents = ["Invite Sent", "Referral Sent"]
    /// What a referred new profile does (within the activation window).
    public var referredEvent: String? = "\"Signed Up\" where referral_code exists"

    public init() {}

    /// An acquisition dimension's name in the report, and its path.
    static func dimension(_ text: String) throws -> (name: String, path: EventPath) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "channel" || t == "source" { return ("channel", .source) }
        switch try Engine.breakdown(t) {
        case .property(let p):
            let name: String
            switch p {
            case .context(["campaign", "source"]): name = "utm_source"
            case .context(["campaign", "name"]): name = "utm_campaign"
            case .context(["campaign", "medium"]): name = "utm_medium"
            default: name = t
            }
            return (name, p)
        case .trait, .segment:
            throw RapportError(.invalidArgument, "acquisition is split by the first touch's channel, property:PATH or context:PATH, not \"\(t)\"")
        }
    }
}

extension Engine {
    /// The AARRR dashboard of a workspace.
    public func aarrrReport(workspaceId ws: WorkspaceID, _ spec: AARRRSpec) async throws -> AARRRReport {
        guard (1...AARRR.maxPeriods).contains(spec.periods) else {
            throw RapportError(.invalidArgument, "periods must be 1 to \(AARRR.maxPeriods)")
        }
        guard abs(spec.offsetMinutes) <= 840 else {
            throw RapportError(.invalidArgument, "utc_offset_minutes must be within ±840")
        }
        guard spec.acquisition.count <= 8, spec.inviteEvents.count <= 8 else {
            throw RapportError(.invalidArgument, "at most 8 acquisition dimensions and 8 invite events")
        }
        let now = clock.nowMillis()
        let model = await projector.rfmModel(workspaceId: ws) ?? RFMModel()
        let purchase = try Self.eventFilter(spec.purchaseEvent ?? model.purchaseEvent)
        let amountText = spec.amountProperty ?? (spec.purchaseEvent == nil ? model.amountProperty : "revenue")
        let amount = amountText.isEmpty ? nil : EventPath(["properties"] + amountText.split(separator: ".").map(String.init))
        let lastIndex = spec.period.index(ofDay: CalendarPeriod.day(ofMillis: spec.end ?? now, offsetMinutes: spec.offsetMinutes))
        let options = AARRR.Options(period: spec.period, periods: (lastIndex - Int64(spec.periods - 1))...lastIndex,
                                    activationDays: spec.activationDays, now: now, offsetMinutes: spec.offsetMinutes)
        func filter(_ text: String?) throws -> EventFilter? {
            guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return try Self.eventFilter(text)
        }
        let query = AARRRQuery(acquisition: try spec.acquisition.map(AARRRSpec.dimension),
                               activation: try filter(spec.activationEvent), returns: try filter(spec.returnEvent),
                               purchase: purchase, amount: amount, invites: try spec.inviteEvents.compactMap(filter),
                               referred: try filter(spec.referredEvent), options: options)
        return try await projector.aarrr(query, workspaceId: ws)
    }
}
