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

    /// A breakdown from its text: `trait:city`, `segment:vip`, `property:utm_campaign`, `context:channel`.
    public static func breakdown(_ text: String) throws -> ReportBreakdown {
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
        let cohort = try spec.cohortEvent.map(Self.eventFilter)
        guard let returns = try spec.returnEvent.map(Self.eventFilter) ?? cohort else {
            throw RapportError(.invalidArgument, "give the return event (or a cohort event, which then is both)")
        }
        let today = CalendarPeriod.day(ofMillis: clock.nowMillis(), offsetMinutes: spec.offsetMinutes)
        return try await projector.retention(cohort: cohort, returns: returns, period: spec.period, periods: spec.periods,
                                             mode: spec.mode, segment: spec.segment, offsetMinutes: spec.offsetMinutes,
                                             lastDay: today, workspaceId: ws)
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
