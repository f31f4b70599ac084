import RapportAudience
import RapportCore
import RapportInsights

/// How a report splits its profiles.
public enum ReportBreakdown: Sendable, Hashable {
    /// By a profile trait's value (`city`, `source`); profiles without it as "(none)".
    case trait(String)
    /// In the segment or not.
    case segment(String)
    /// By a property of the funnel's entry event (`utm_campaign`, `context.channel`).
    case property(EventPath)
}

/// Funnels and retention over a workspace's audience index.
extension ProfileProjector {
    /// The audience of a workspace ready for a report: the event paths the report reads registered (the index
    /// rebuilt from the log if that is new), and every live profile in its table.
    func reportAudience(workspaceId ws: WorkspaceID, paths: Set<EventPath>) async throws {
        audiences[ws, default: Audience()].index.register(paths)
        if audiences[ws]?.index.needsRebuild == true { audienceStale = true }
        try await ensureAudienceIndex()
        // An audience without definitions does not keep its table as events arrive: give it the profiles now.
        if audiences[ws]?.isEmpty != false || audiences[ws]?.needsProfiles == true {
            audiences[ws, default: Audience()].recordProfiles(liveProfiles(workspaceId: ws).map(audienceProfile))
        }
    }

    /// A funnel's report, and every profile's way through it.
    public func funnel(_ query: FunnelQuery, labels: [String], breakdown: ReportBreakdown?, trend: CalendarPeriod?,
                       offsetMinutes: Int, workspaceId ws: WorkspaceID) async throws -> (FunnelReport, FunnelPaths) {
        var paths = Set<EventPath>()
        for s in query.steps { paths.formUnion(Condition.events(.did(s)).eventPathsReferred) }
        if case .property(let p) = breakdown { paths.insert(p) }
        let sourceNames = Dictionary(try await store.sources(workspaceId: ws).map { ($0.id, $0.name) },
                                     uniquingKeysWith: { a, _ in a })
        try await reportAudience(workspaceId: ws, paths: paths)
        guard var audience = audiences[ws] else { throw RapportError(.notFound, "no such workspace") }
        let result = try audience.funnel(query)
        audiences[ws] = audience
        let group: ((Int) -> String?)?
        switch breakdown {
        case nil: group = nil
        case .segment(let name):
            guard let inside = audience.membership(of: name) else { throw RapportError(.notFound, "no segment \"\(name)\"") }
            group = { pos in pos < inside.count && inside[pos] ? name : "not \(name)" }  // trap-ok: checked
        case .trait(let name):
            var labels: [Int: String] = [:]
            for pos in result.reached.indices where result.reached[pos] > 0 {  // trap-ok: indices
                guard let id = audience.profile(at: pos) else { continue }
                labels[pos] = Self.label(graph.combined(id).traits[name]?.value)
            }
            group = { labels[$0] }
        case .property(let path):
            let index = audience.index
            let names = path == .source ? sourceNames : [:]
            group = { pos in
                guard pos < result.entryRows.count, result.entryRows[pos] != .max else { return nil }  // trap-ok: checked
                let v = index.value(row: Int(result.entryRows[pos]), path: path)  // trap-ok: checked
                if path == .source, case .number(let x)? = v, let id = Int64(exactly: x) { return names[id] ?? "source \(id)" }
                return Self.label(v)
            }
        }
        let report = FunnelReport(result, labels: labels, group: group, trend: trend, offsetMinutes: offsetMinutes)
        return (report, result)
    }

    /// A cohort retention matrix: cohorts by the first `cohort` event (the first event of any kind when `nil`),
    /// returns by `returns` events; only the members of `segment` when given. With a breakdown (a trait or a
    /// segment), a matrix per group too: the 8 largest by cohort members, the rest as "other".
    public func retention(cohort: EventFilter?, returns: EventFilter, period: CalendarPeriod, periods: Int,
                          mode: Retention.Mode, segment: String?, breakdown: ReportBreakdown? = nil, offsetMinutes: Int,
                          lastDay: Int64?, workspaceId ws: WorkspaceID) async throws
        -> (matrix: Retention.Matrix, groups: [(label: String, matrix: Retention.Matrix)])
    {
        var paths = Condition.events(.did(returns)).eventPathsReferred
        if let cohort { paths.formUnion(Condition.events(.did(cohort)).eventPathsReferred) }
        try await reportAudience(workspaceId: ws, paths: paths)
        guard var audience = audiences[ws] else { throw RapportError(.notFound, "no such workspace") }
        let a = audience.occurrences(of: cohort)
        let b = cohort == returns ? a : audience.occurrences(of: returns)
        audiences[ws] = audience
        var include: [Bool]?
        if let segment {
            guard let inside = audience.membership(of: segment) else { throw RapportError(.notFound, "no segment \"\(segment)\"") }
            include = inside
        }
        let n = audience.positionCount
        func matrix(_ only: [Bool]?) throws -> Retention.Matrix {
            try Retention.matrix(
                cohort: Retention.Events(customers: a.positions, times: a.times),
                returns: Retention.Events(customers: b.positions, times: b.times),
                customerCount: n, period: period, periods: periods, mode: mode, include: only,
                lastDay: lastDay, offsetMinutes: offsetMinutes)
        }
        let overall = try matrix(include)
        guard let breakdown else { return (overall, []) }
        // Each cohort member's group.
        var member = [Bool](repeating: false, count: n)
        for p in a.positions where Int(p) < n && (include.map { Int(p) < $0.count && $0[Int(p)] } ?? true) { member[Int(p)] = true }  // trap-ok: checked
        var label = [String?](repeating: nil, count: n)
        switch breakdown {
        case .segment(let name):
            guard let inside = audience.membership(of: name) else { throw RapportError(.notFound, "no segment \"\(name)\"") }
            for pos in 0..<n where member[pos] { label[pos] = pos < inside.count && inside[pos] ? name : "not \(name)" }  // trap-ok: checked
        case .trait(let name):
            for pos in 0..<n where member[pos] {  // trap-ok: pos < n
                guard let id = audience.profile(at: pos) else { continue }
                label[pos] = Self.label(graph.combined(id).traits[name]?.value)  // trap-ok: pos < n
            }
        case .property:
            throw RapportError(.invalidArgument, "retention breaks down by trait:NAME or segment:NAME")
        }
        var sizes: [String: Int] = [:]
        for l in label { if let l { sizes[l, default: 0] += 1 } }
        let ranked = sizes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let shown = Array(ranked.prefix(8))
        var groups: [(label: String, matrix: Retention.Matrix)] = []
        for g in shown { groups.append((g, try matrix(label.map { $0 == g }))) }
        if ranked.count > shown.count {
            let kept = Set(shown)
            groups.append(("other", try matrix(label.map { $0.map { !kept.contains($0) } ?? false })))
        }
        return (overall, groups)
    }

    /// A value as a breakdown label: text as it is, anything else as JSON; "(none)" when missing.
    static func label(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "(none)"
        case .string(let s)?: return s
        case let v?: return String(decoding: v.serialized(), as: UTF8.self)
        }
    }
}

extension ProfileProjector {
    /// The paths from (or to) an anchor event.
    public func paths(_ query: PathQuery, workspaceId ws: WorkspaceID) async throws -> ProfilePaths {
        try await reportAudience(workspaceId: ws, paths: Condition.events(.did(query.anchor)).eventPathsReferred)
        guard var audience = audiences[ws] else { throw RapportError(.notFound, "no such workspace") }
        let result = try audience.paths(query)
        audiences[ws] = audience
        return result
    }
}
