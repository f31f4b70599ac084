import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportIngest
import RapportInsights

/// The admin API for reports: funnels and retention, answered from the
/// workspace's index as they are asked.
struct InsightsController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        let group = router.group("/v1/insights")
        group.post("funnel") { request, _ in try await funnel(request) }
        group.post("retention") { request, _ in try await retention(request) }
        group.post("paths") { request, _ in try await paths(request) }
        group.post("aarrr") { request, _ in try await aarrr(request) }
        group.post("basket") { request, _ in try await basket(request) }
        group.post("experiment") { request, _ in try await experiment(request) }
    }

    /// `{"control": {"users": 1000, "conversions": 100, "revenue_mean": 12.5, "revenue_variance": 90},
    /// "treatment": {…}, "planned_shares": [0.5, 0.5], "confidence": 0.95}`: an A/B test's statistics.
    func experiment(_ request: Request) async throws -> Response {
        _ = try await auth.require(.readStats, request)
        return JSONResponse.make(try ReportRequests.experiment(try await request.jsonObject()))
    }

    /// `{"purchase_event": "Order Completed", "item_key": "product_id", "from": "2024-01-01", "to": "2024-06-30",
    /// "min_support": 0.01, "min_confidence": 0.1, "max_length": 3, "limit": 100, "utc_offset_minutes": 480}`.
    func basket(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let spec = try ReportRequests.basketSpec(try await request.jsonObject())
        let report = try await engine.basketReport(workspaceId: p.workspaceId, spec)
        return JSONResponse.make(ReportRequests.json(report))
    }

    /// `{"period": "day|week|month", "periods": 12, "end": "2024-06-30", "utc_offset_minutes": 480,
    /// "acquisition": ["channel", "context:campaign.source"], "activation_event": "Signed Up", "activation_days": 7,
    /// "return_event": null, "purchase_event": "Order Completed", "amount_property": "revenue",
    /// "invite_events": ["Invite Sent"], "referred_event": "\"Signed Up\" where referral_code exists"}`.
    func aarrr(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let spec = try ReportRequests.aarrrSpec(try await request.jsonObject())
        let report = try await engine.aarrrReport(workspaceId: p.workspaceId, spec)
        return JSONResponse.make(ReportRequests.json(report))
    }

    /// `{"anchor": "App Opened", "direction": "after|before", "steps": 4, "from": "2024-01-01", "to": "2024-01-31",
    /// "collapse_repeats": true, "utc_offset_minutes": 480}`.
    func paths(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let spec = try ReportRequests.pathSpec(try await request.jsonObject(), now: engine.clock.nowMillis())
        let report = try await engine.pathReport(workspaceId: p.workspaceId, spec)
        return JSONResponse.make(ReportRequests.json(report))
    }

    /// `{"steps": ["Product Viewed", "\"Order Completed\" where revenue > 100"], "window_days": 30,
    /// "order": "sequential|strict|any", "from": "2024-01-01", "to": "2024-01-31", "breakdown": "trait:city",
    /// "trend": "day|week|month", "utc_offset_minutes": 480, "dropped_after": 2, "save_dropped_as": "cart_dropouts"}`;
    /// `to` is the last day counted; `save_dropped_as` makes those who dropped a static segment (its whole list).
    func funnel(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let o = try await request.jsonObject()
        let spec = try ReportRequests.funnelSpec(o, now: engine.clock.nowMillis())
        let (report, paths) = try await engine.funnelReport(workspaceId: p.workspaceId, spec)
        var body = ReportRequests.json(report)
        let saveAs = try ReportRequests.text(o, "save_dropped_as")
        if let k = try ReportRequests.integer(o, "dropped_after", in: 1...FunnelQuery.maxSteps) {
            let dropped = FunnelReport.dropped(paths, afterStep: k)
            body["dropped"] = .array(dropped.prefix(10_000).map { .string(String($0.rawValue)) })
            body["dropped_count"] = .number(Double(dropped.count))
            if let name = saveAs {
                // Saving a segment is an audience edit: the reader of reports needs that right too.
                let editor = try await auth.require(.editAudience, request)
                let change = try await engine.saveStaticSegment(name, profiles: dropped, replace: true,
                                                                workspaceId: editor.workspaceId, by: "funnel:\(editor.name)")
                body["saved_segment"] = .object(["name": .string(name), "changed": .number(Double(change.changed)),
                                                 "members": .number(Double(dropped.count))])
            }
        } else if saveAs != nil {
            throw RapportError(.invalidArgument, "save_dropped_as needs dropped_after: the step after which they dropped")
        }
        return JSONResponse.make(.object(body))
    }

    /// `{"cohort_event": "Sign Up" (or null: first seen), "return_event": "Order Completed", "period": "week",
    /// "periods": 8, "mode": "bounded|unbounded", "segment": "vip", "breakdown": "trait:city", "utc_offset_minutes": 480}`.
    func retention(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let spec = try ReportRequests.retentionSpec(try await request.jsonObject())
        let (m, groups) = try await engine.retentionReports(workspaceId: p.workspaceId, spec)
        return JSONResponse.make(ReportRequests.json(m, groups: groups))
    }
}

/// Report requests as JSON objects, read and answered the same way by the API and the CLI.
public enum ReportRequests {
    // MARK: Reading the request

    static let funnelKeys: Set<String> = ["steps", "window_days", "window_hours", "order", "from", "to", "breakdown", "trend",
                                          "utc_offset_minutes", "dropped_after", "save_dropped_as"]

    public static func funnelSpec(_ o: [String: JSONValue], now: Int64) throws -> FunnelSpec {
        if let unknown = o.keys.sorted().first(where: { !funnelKeys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        guard let steps = o["steps"]?.arrayValue, !steps.isEmpty, steps.count <= FunnelQuery.maxSteps else {
            throw RapportError(.invalidArgument, "steps: 1 to \(FunnelQuery.maxSteps) events, each as text")
        }
        let texts = try steps.map { v in
            guard let s = v.stringValue else { throw RapportError(.invalidArgument, "each step is text") }
            return s
        }
        let offset = try integer(o, "utc_offset_minutes", in: -840...840) ?? 0
        let day = Timestamp.millisPerDay, shift = Int64(offset) * 60_000
        let to = try text(o, "to").map { try dayStart($0, "to") + day - shift } ?? now
        let from = try text(o, "from").map { try dayStart($0, "from") - shift } ?? (to - 30 * day)
        var spec = FunnelSpec(steps: texts, from: from, to: to)
        spec.offsetMinutes = offset
        if let days = try integer(o, "window_days", in: 1...3_650) { spec.windowMillis = Int64(days) * day }
        if let hours = try integer(o, "window_hours", in: 1...87_600) { spec.windowMillis = Int64(hours) * 3_600_000 }
        if let v = try text(o, "order") {
            guard let order = FunnelOrder(rawValue: v) else { throw RapportError(.invalidArgument, "order is sequential, strict or any") }
            spec.order = order
        }
        spec.breakdown = try text(o, "breakdown").map(Engine.breakdown)
        if let v = try text(o, "trend") {
            guard let period = CalendarPeriod(rawValue: v) else { throw RapportError(.invalidArgument, "trend is day, week or month") }
            spec.trend = period
        }
        return spec
    }

    static func text(_ o: [String: JSONValue], _ key: String) throws -> String? {
        guard let v = o[key], v != .null else { return nil }
        guard let s = v.stringValue else { throw RapportError(.invalidArgument, "\(key) is text") }
        return s
    }

    static func integer(_ o: [String: JSONValue], _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = o[key], v != .null else { return nil }
        guard case .number(let d) = v, d.rounded() == d, d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw RapportError(.invalidArgument, "\(key) is a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(d)
    }

    /// Midnight UTC of a date `YYYY-MM-DD`, in milliseconds.
    static func dayStart(_ s: String, _ key: String) throws -> Int64 {
        guard let ms = Timestamp.parseDate(s) else { throw RapportError(.invalidArgument, "\(key) is a date YYYY-MM-DD") }
        return ms
    }

    static func date(_ day: Int64) -> String {
        String(Timestamp.formatISO8601(day * Timestamp.millisPerDay).prefix(10))
    }

    // MARK: Writing the report

    public static func json(_ r: FunnelReport) -> [String: JSONValue] {
        [
            "steps": .array(r.steps.map { s in
                .object([
                    "label": .string(s.label), "count": .number(Double(s.count)), "conversion": .number(s.conversion),
                    "step_conversion": .number(s.stepConversion), "dropped_after": .number(Double(s.droppedAfter)),
                    "median_seconds": s.medianSeconds.map { .number($0) } ?? .null,
                    "time_histogram": .array(s.timeHistogram.map { .number(Double($0)) }),
                ])
            }),
            "time_buckets": .array(FunnelReport.timeBucketLabels.map { .string($0) }),
            "groups": .array(r.groups.map { g in
                .object(["label": .string(g.label), "counts": .array(g.counts.map { .number(Double($0)) }),
                         "conversion": .number(g.conversion)])
            }),
            "trend": .array(r.trend.map { t in
                .object(["start": .string(date(t.day)), "entered": .number(Double(t.entered)),
                         "converted": .number(Double(t.converted)), "conversion": .number(t.conversion)])
            }),
        ]
    }

    /// `{"cohort_event": …, "return_event": …, "period": …, "periods": …, "mode": …, "segment": …, "utc_offset_minutes": …}`.
    public static func retentionSpec(_ o: [String: JSONValue]) throws -> RetentionSpec {
        let keys: Set<String> = ["cohort_event", "return_event", "period", "periods", "mode", "segment", "breakdown",
                                 "utc_offset_minutes"]
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        var spec = RetentionSpec()
        spec.cohortEvent = try text(o, "cohort_event")
        spec.returnEvent = try text(o, "return_event")
        if let v = try text(o, "period") {
            guard let period = CalendarPeriod(rawValue: v) else { throw RapportError(.invalidArgument, "period is day, week or month") }
            spec.period = period
        }
        spec.periods = try integer(o, "periods", in: 1...366) ?? spec.periods
        if let v = try text(o, "mode") {
            guard let mode = Retention.Mode(rawValue: v) else { throw RapportError(.invalidArgument, "mode is bounded or unbounded") }
            spec.mode = mode
        }
        spec.segment = try text(o, "segment")
        spec.breakdown = try text(o, "breakdown").map(Engine.breakdown)
        if case .property? = spec.breakdown {
            throw RapportError(.invalidArgument, "retention breaks down by trait:NAME or segment:NAME")
        }
        spec.offsetMinutes = try integer(o, "utc_offset_minutes", in: -840...840) ?? 0
        return spec
    }

    public static func pathSpec(_ o: [String: JSONValue], now: Int64) throws -> PathSpec {
        let keys: Set<String> = ["anchor", "direction", "steps", "from", "to", "collapse_repeats", "utc_offset_minutes"]
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        guard let anchor = try text(o, "anchor") else { throw RapportError(.invalidArgument, "anchor: the event the paths start from") }
        let (from, to) = try range(o, now: now)
        var spec = PathSpec(anchor: anchor, from: from, to: to)
        switch try text(o, "direction") ?? "after" {
        case "after": spec.after = true
        case "before": spec.after = false
        default: throw RapportError(.invalidArgument, "direction is after or before")
        }
        spec.steps = try integer(o, "steps", in: 1...10) ?? 4
        if let v = o["collapse_repeats"], v != .null {
            guard case .bool(let b) = v else { throw RapportError(.invalidArgument, "collapse_repeats is true or false") }
            spec.collapseRepeats = b
        }
        return spec
    }

    /// `from` and `to` (dates, `to` the last day counted) in a zone, as milliseconds; the last 30 days by default.
    static func range(_ o: [String: JSONValue], now: Int64) throws -> (Int64, Int64) {
        let offset = try integer(o, "utc_offset_minutes", in: -840...840) ?? 0
        let day = Timestamp.millisPerDay, shift = Int64(offset) * 60_000
        let to = try text(o, "to").map { try dayStart($0, "to") + day - shift } ?? now
        let from = try text(o, "from").map { try dayStart($0, "from") - shift } ?? (to - 30 * day)
        return (from, to)
    }

    public static func json(_ r: PathReport) -> JSONValue {
        .object([
            "anchored": .number(Double(r.anchored)),
            "next": .array(r.next.map { .object(["name": .string($0.name), "count": .number(Double($0.count))]) }),
            "links": .array(r.links.map {
                .object(["depth": .number(Double($0.depth)), "from": .string($0.from), "to": .string($0.to),
                         "count": .number(Double($0.count))])
            }),
            "top": .array(r.top.map { .object(["steps": .array($0.steps.map { .string($0) }), "count": .number(Double($0.count))]) }),
        ])
    }

    public static func json(_ m: Retention.Matrix, groups: [(label: String, matrix: Retention.Matrix)] = []) -> JSONValue {
        func cohorts(_ m: Retention.Matrix) -> JSONValue {
            .array(m.cohortStarts.indices.map { c in
                .object([
                    "start": .string(date(m.cohortStarts[c])),  // trap-ok: indices
                    "size": .number(Double(m.sizes[c])),  // trap-ok: parallel arrays
                    "counts": .array(m.counts[c].map { $0.map { .number(Double($0)) } ?? .null }),  // trap-ok: same
                ])
            })
        }
        var out: [String: JSONValue] = [
            "period": .string(m.period.rawValue), "mode": .string(m.mode.rawValue), "cohorts": cohorts(m),
        ]
        if !groups.isEmpty {
            out["groups"] = .array(groups.map { .object(["label": .string($0.label), "cohorts": cohorts($0.matrix)]) })
        }
        return .object(out)
    }

    /// A matrix as CSV lines (after a header the caller writes): `group,` first when `group` is given.
    public static func csvLines(_ m: Retention.Matrix, group: String? = nil) -> String {
        var out = ""
        for c in m.cohortStarts.indices {
            var fields = group.map { [$0] } ?? []
            fields += [date(m.cohortStarts[c]), String(m.sizes[c])]  // trap-ok: indices; parallel arrays
            fields += m.counts[c].map { $0.map(String.init) ?? "" }  // trap-ok: same
            out += CSVText.line(fields)
        }
        return out
    }

    // MARK: AARRR

    public static func aarrrSpec(_ o: [String: JSONValue]) throws -> AARRRSpec {
        let keys: Set<String> = ["period", "periods", "end", "utc_offset_minutes", "acquisition", "activation_event",
                                 "activation_days", "return_event", "purchase_event", "amount_property", "invite_events",
                                 "referred_event"]
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        var spec = AARRRSpec()
        if let v = try text(o, "period") {
            guard let period = CalendarPeriod(rawValue: v) else { throw RapportError(.invalidArgument, "period is day, week or month") }
            spec.period = period
        }
        spec.periods = try integer(o, "periods", in: 1...AARRR.maxPeriods) ?? spec.periods
        spec.offsetMinutes = try integer(o, "utc_offset_minutes", in: -840...840) ?? 0
        if let end = try text(o, "end") {
            spec.end = try dayStart(end, "end") - Int64(spec.offsetMinutes) * 60_000
        }
        if let list = try texts(o, "acquisition") { spec.acquisition = list }
        if o.keys.contains("activation_event") { spec.activationEvent = try text(o, "activation_event") }
        spec.activationDays = try integer(o, "activation_days", in: 1...AARRR.maxActivationDays) ?? spec.activationDays
        spec.returnEvent = try text(o, "return_event")
        spec.purchaseEvent = try text(o, "purchase_event")
        spec.amountProperty = try text(o, "amount_property")
        if let list = try texts(o, "invite_events") { spec.inviteEvents = list }
        if o.keys.contains("referred_event") { spec.referredEvent = try text(o, "referred_event") }
        return spec
    }

    /// A list of texts (at most 8), or `nil` when absent.
    static func texts(_ o: [String: JSONValue], _ key: String) throws -> [String]? {
        guard let v = o[key], v != .null else { return nil }
        guard let list = v.arrayValue, list.count <= 8 else { throw RapportError(.invalidArgument, "\(key) is a list of at most 8 texts") }
        return try list.map { item in
            guard let s = item.stringValue else { throw RapportError(.invalidArgument, "\(key) is a list of texts") }
            return s
        }
    }

    public static func json(_ r: AARRRReport) -> JSONValue {
        .object([
            "period": .string(r.period.rawValue), "activation_days": .number(Double(r.activationDays)),
            "periods": .array(r.periods.map(json)), "total": json(r.total),
        ])
    }

    static func json(_ p: AARRRReport.Period) -> JSONValue {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        func d(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        func rate(_ r: AARRRReport.Rate) -> JSONValue { .object(["eligible": n(r.eligible), "count": n(r.count), "rate": d(r.rate)]) }
        return .object([
            "start": .string(date(p.start)), "complete": .bool(p.complete),
            "new_profiles": n(p.newProfiles),
            "acquisition": .object(p.acquisition.mapValues { counts in
                .array(AARRRReport.ranked(counts).map { .object(["label": .string($0.key), "count": n($0.value)]) })
            }),
            "activation": rate(p.activation), "d1": rate(p.d1), "d7": rate(p.d7), "d30": rate(p.d30), "w1": rate(p.w1),
            "active_profiles": n(p.activeProfiles), "paying_profiles": n(p.payingProfiles),
            "repeat_profiles": n(p.repeatProfiles), "orders": n(p.orders), "revenue": .number(p.revenue),
            "paying_rate": d(p.payingRate), "arpu": d(p.arpu), "arppu": d(p.arppu), "repeat_rate": d(p.repeatRate),
            "revenue_by_channel": .array(AARRRReport.ranked(p.revenueByChannel).map {
                .object(["label": .string($0.key), "revenue": .number($0.value)])
            }),
            "invites": n(p.invites), "inviters": n(p.inviters), "referred": n(p.referred),
            "invites_per_active": d(p.invitesPerActive), "invite_conversion": d(p.inviteConversion),
            "viral_coefficient": d(p.viralCoefficient),
        ])
    }

    /// The report as CSV: a line per period, then the total.
    public static func csv(_ r: AARRRReport) -> String {
        var lines = ["start,complete,new_profiles,activation_eligible,activated,activation_rate,d1_rate,d7_rate,d30_rate,w1_rate,"
            + "active_profiles,paying_profiles,paying_rate,orders,revenue,arpu,arppu,repeat_rate,invites,inviters,referred,viral_coefficient"]
        func d(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        for (label, p) in r.periods.map({ (date($0.start), $0) }) + [("total", r.total)] {
            let fields: [String] = [
                label, String(p.complete), String(p.newProfiles), String(p.activation.eligible), String(p.activation.count),
                d(p.activation.rate), d(p.d1.rate), d(p.d7.rate), d(p.d30.rate), d(p.w1.rate), String(p.activeProfiles),
                String(p.payingProfiles), d(p.payingRate), String(p.orders), String(p.revenue), d(p.arpu), d(p.arppu),
                d(p.repeatRate), String(p.invites), String(p.inviters), String(p.referred), d(p.viralCoefficient),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Basket

    public static func basketSpec(_ o: [String: JSONValue]) throws -> BasketSpec {
        let keys: Set<String> = ["purchase_event", "item_key", "from", "to", "min_support", "min_confidence", "max_length",
                                 "limit", "utc_offset_minutes"]
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        var spec = BasketSpec()
        spec.purchaseEvent = try text(o, "purchase_event")
        if let k = try text(o, "item_key") { spec.itemKey = k }
        let shift = Int64(try integer(o, "utc_offset_minutes", in: -840...840) ?? 0) * 60_000
        spec.from = try text(o, "from").map { try dayStart($0, "from") - shift }
        spec.to = try text(o, "to").map { try dayStart($0, "to") + Timestamp.millisPerDay - shift }
        func fraction(_ key: String) throws -> Double? {
            guard let v = o[key], v != .null else { return nil }
            guard case .number(let d) = v, d.isFinite else { throw RapportError(.invalidArgument, "\(key) is a number from 0 to 1") }
            return d
        }
        spec.minSupport = try fraction("min_support") ?? spec.minSupport
        spec.minConfidence = try fraction("min_confidence") ?? spec.minConfidence
        spec.maxLength = try integer(o, "max_length", in: 2...6) ?? spec.maxLength
        spec.limit = try integer(o, "limit", in: 1...10_000) ?? spec.limit
        return spec
    }

    public static func json(_ r: BasketReport) -> JSONValue {
        func items(_ list: [Int]) -> JSONValue {
            .array(list.map { k in
                let id = r.id(k)
                return .object(["id": .string(id), "name": r.names[id].map { .string($0) } ?? .null])
            })
        }
        return .object([
            "orders": .number(Double(r.orders)), "min_count": .number(Double(r.minCount)),
            "itemsets": .array(r.itemsets.map {
                .object(["items": items($0.items), "count": .number(Double($0.count)),
                         "support": .number(r.orders > 0 ? Double($0.count) / Double(r.orders) : 0)])
            }),
            "rules": .array(r.rules.map {
                .object(["antecedent": items($0.antecedent), "consequent": items($0.consequent), "count": .number(Double($0.count)),
                         "support": .number($0.support), "confidence": .number($0.confidence), "lift": .number($0.lift)])
            }),
        ])
    }

    /// The rules as CSV: a line per rule, items by id (joined by " + ") and by name.
    public static func csv(_ r: BasketReport) -> String {
        func ids(_ list: [Int]) -> String { list.map(r.id).joined(separator: " + ") }
        func names(_ list: [Int]) -> String { list.map { r.names[r.id($0)] ?? r.id($0) }.joined(separator: " + ") }
        var out = CSVText.line(["antecedent", "consequent", "antecedent_names", "consequent_names", "orders", "support",
                                "confidence", "lift"])
        for x in r.rules {
            out += CSVText.line([ids(x.antecedent), ids(x.consequent), names(x.antecedent), names(x.consequent), String(x.count),
                                 String(x.support), String(x.confidence), String(x.lift)])
        }
        return out
    }

    // MARK: Experiment statistics

    /// The statistics of a two-arm test from each arm's users, conversions and (optionally) revenue per user.
    public static func experiment(_ o: [String: JSONValue]) throws -> JSONValue {
        let keys: Set<String> = ["control", "treatment", "planned_shares", "confidence"]
        if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RapportError(.invalidArgument, "unknown field \"\(unknown)\"")
        }
        struct Arm {
            var users: Int, conversions: Int
            var revenue: Experiment.Sample?
        }
        func arm(_ key: String) throws -> Arm {
            guard case .object(let a)? = o[key] else {
                throw RapportError(.invalidArgument, "\(key) is an object: users, conversions, revenue_mean, revenue_variance")
            }
            let armKeys: Set<String> = ["users", "conversions", "revenue_mean", "revenue_variance"]
            if let unknown = a.keys.sorted().first(where: { !armKeys.contains($0) }) {
                throw RapportError(.invalidArgument, "unknown field \"\(key).\(unknown)\"")
            }
            guard let users = try integer(a, "users", in: 1...1_000_000_000) else { throw RapportError(.invalidArgument, "\(key).users is required") }
            guard let conversions = try integer(a, "conversions", in: 0...1_000_000_000), conversions <= users else {
                throw RapportError(.invalidArgument, "\(key).conversions is required, from 0 to users")
            }
            var revenue: Experiment.Sample?
            switch (a["revenue_mean"], a["revenue_variance"]) {
            case (nil, nil): break
            case (.number(let m)?, .number(let v)?) where m.isFinite && v.isFinite && v >= 0:
                revenue = Experiment.Sample(count: users, mean: m, variance: v)
            default: throw RapportError(.invalidArgument, "\(key): revenue_mean and revenue_variance (≥ 0) go together, as numbers")
            }
            return Arm(users: users, conversions: conversions, revenue: revenue)
        }
        let a = try arm("control"), b = try arm("treatment")
        var confidence = 0.95
        if let v = o["confidence"], v != .null {
            guard case .number(let c) = v, c > 0.5, c < 1 else { throw RapportError(.invalidArgument, "confidence is above 0.5, below 1") }
            confidence = c
        }
        var shares = [0.5, 0.5]
        if let v = o["planned_shares"], v != .null {
            guard let list = v.arrayValue, list.count == 2 else { throw RapportError(.invalidArgument, "planned_shares is two numbers") }
            shares = try list.map { x in
                guard case .number(let d) = x, d > 0, d.isFinite else { throw RapportError(.invalidArgument, "planned_shares are above 0") }
                return d
            }
        }
        let pa = Experiment.Proportion(conversions: a.conversions, trials: a.users)
        let pb = Experiment.Proportion(conversions: b.conversions, trials: b.users)
        let test = try Experiment.proportionTest(control: pa, treatment: pb, confidence: confidence)
        func interval(_ i: Experiment.Interval?) -> JSONValue {
            i.map { .array([.number($0.lower), .number($0.upper)]) } ?? .null
        }
        func num(_ x: Double?) -> JSONValue { x.flatMap { $0.isFinite ? .number($0) : nil } ?? .null }
        // The exact sum has one term per conversion: beyond a million, no answer rather than a slow one.
        let beat = min(a.conversions, b.conversions) <= 1_000_000
            ? try Experiment.probabilityToBeatControl(control: pa, treatment: pb) : nil
        var out: [String: JSONValue] = [
            "conversion": .object([
                "control_rate": .number(pa.rate), "treatment_rate": .number(pb.rate), "difference": .number(test.difference),
                "z": num(test.z), "p_value": num(test.pValue), "interval": interval(test.interval), "lift": num(test.lift),
                "lift_interval": interval(test.liftInterval), "probability_to_beat_control": num(beat),
            ]),
        ]
        let srm = try Experiment.sampleRatioCheck(observed: [a.users, b.users], plannedShares: shares)
        out["sample_ratio"] = .object(["chi_square": num(srm.chiSquare), "p_value": num(srm.pValue), "mismatch": .bool(srm.mismatch)])
        if let ra = a.revenue, let rb = b.revenue {
            let w = try Experiment.welchTest(control: ra, treatment: rb, confidence: confidence)
            out["revenue"] = .object([
                "difference": .number(w.difference), "t": num(w.t), "degrees_of_freedom": num(w.degreesOfFreedom),
                "p_value": num(w.pValue), "interval": interval(w.interval), "lift": num(w.lift),
                "lift_interval": interval(w.liftInterval),
            ])
        } else {
            out["revenue"] = .null
        }
        return .object(out)
    }
}
