import RapportCore

/// A workspace's lifecycle stage model: stages in order of priority, each a
/// condition; a profile is in the first stage whose condition holds, or in
/// none.
///
/// The stages are evaluated as segments under reserved names
/// (``LifecycleStages``), each excluding the stages before it, so every
/// profile is in at most one; `stage = "at_risk"` in any condition reads
/// that segment. Entering the ``warningStage`` fires a churn warning.
public struct LifecycleModel: Sendable, Hashable, Codable {
    /// One stage: its name (`at_risk`), its condition as text, and what it means.
    public struct Stage: Sendable, Hashable, Codable {
        public var name: String
        public var condition: String
        public var description: String

        public init(name: String, condition: String, description: String = "") {
            self.name = name
            self.condition = condition
            self.description = description
        }

        enum CodingKeys: String, CodingKey { case name, condition, description }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            condition = try c.decode(String.self, forKey: .condition)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        }
    }

    /// The name of the one stored lifecycle definition of a workspace.
    public static let recordName = "model"

    /// In order of priority: a profile is in the first whose condition holds.
    public var stages: [Stage]
    /// Entering this stage fires a `Churn Warning`; `nil` for none.
    public var warningStage: String?

    public init(stages: [Stage], warningStage: String? = nil) {
        self.stages = stages
        self.warningStage = warningStage
    }

    enum CodingKeys: String, CodingKey {
        case stages
        case warningStage = "warning_stage"
    }

    /// The numbers the default model is made of.
    public struct Parameters: Sendable, Hashable, Codable {
        /// The event that is a purchase.
        public var purchaseEvent = "Order Completed"
        /// New: the first purchase within this many days.
        public var newDays = 14
        /// Active and loyal: the last purchase within this many days; past it, at risk.
        public var activeDays = 30
        /// Churned: no purchase for this many days.
        public var churnDays = 90
        /// Loyal: at least this many purchases.
        public var loyalPurchases = 5
        /// Won back: a purchase within this many days after `churnDays` without one.
        public var wonBackDays = 30

        public init() {}

        enum CodingKeys: String, CodingKey {
            case purchaseEvent = "purchase_event", newDays = "new_days", activeDays = "active_days"
            case churnDays = "churn_days", loyalPurchases = "loyal_purchases", wonBackDays = "won_back_days"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Parameters()
            purchaseEvent = try c.decodeIfPresent(String.self, forKey: .purchaseEvent) ?? d.purchaseEvent
            newDays = try c.decodeIfPresent(Int.self, forKey: .newDays) ?? d.newDays
            activeDays = try c.decodeIfPresent(Int.self, forKey: .activeDays) ?? d.activeDays
            churnDays = try c.decodeIfPresent(Int.self, forKey: .churnDays) ?? d.churnDays
            loyalPurchases = try c.decodeIfPresent(Int.self, forKey: .loyalPurchases) ?? d.loyalPurchases
            wonBackDays = try c.decodeIfPresent(Int.self, forKey: .wonBackDays) ?? d.wonBackDays
        }

        /// What is wrong with these numbers, if anything.
        public var problem: String? {
            if purchaseEvent.isEmpty || purchaseEvent.utf8.count > 200 { return "purchase_event is 1 to 200 bytes" }
            for (name, v) in [("new_days", newDays), ("active_days", activeDays), ("churn_days", churnDays),
                              ("won_back_days", wonBackDays)] where !(1...3650).contains(v) {
                return "\(name) is 1 to 3650"
            }
            if !(1...100_000).contains(loyalPurchases) { return "loyal_purchases is 1 to 100000" }
            if activeDays >= churnDays { return "active_days must be less than churn_days" }
            return nil
        }
    }

    /// The default model: won back, new, loyal, active, at risk, churned,
    /// potential; a churn warning on entering at risk.
    public static func standard(_ p: Parameters = Parameters()) -> LifecycleModel {
        let buy = ConditionText.string(p.purchaseEvent)
        let gapStart = p.churnDays + p.wonBackDays
        return LifecycleModel(stages: [
            Stage(name: "won_back",
                  condition: "did \(buy) within \(p.wonBackDays) days and count \(buy) between \(gapStart) days ago and "
                      + "\(p.wonBackDays) days ago = 0 and did \(buy) before \(gapStart) days ago",
                  description: "bought again within \(p.wonBackDays) days after \(p.churnDays) days or more without a purchase"),
            Stage(name: "new", condition: "first \(buy) after \(p.newDays) days ago",
                  description: "first purchase within \(p.newDays) days"),
            Stage(name: "loyal",
                  condition: "count \(buy) >= \(p.loyalPurchases) and last \(buy) after \(p.activeDays) days ago",
                  description: "\(p.loyalPurchases) purchases or more, the last within \(p.activeDays) days"),
            Stage(name: "active", condition: "last \(buy) after \(p.activeDays) days ago",
                  description: "bought within \(p.activeDays) days, no longer new"),
            Stage(name: "at_risk",
                  condition: "last \(buy) before \(p.activeDays) days ago and last \(buy) after \(p.churnDays) days ago",
                  description: "no purchase for \(p.activeDays) to \(p.churnDays) days"),
            Stage(name: "churned", condition: "last \(buy) before \(p.churnDays) days ago",
                  description: "no purchase for \(p.churnDays) days or more"),
            Stage(name: "potential", condition: "known = true and did not \(buy)",
                  description: "known (an identifier besides an anonymous or device id) and never bought"),
        ], warningStage: "at_risk")
    }

    /// The stages with their conditions parsed, in order of priority.
    ///
    /// - Throws: ``ConditionError`` for a condition that does not parse (the
    ///   message names the stage), a bad or repeated name, or a warning stage
    ///   that is not one of the stages.
    public func parsed() throws(ConditionError) -> [(name: String, condition: Condition)] {
        guard !stages.isEmpty, stages.count <= 32 else {
            throw ConditionError(.invalidModel, "a lifecycle model has 1 to 32 stages")
        }
        var names: Set<String> = []
        var out: [(name: String, condition: Condition)] = []
        for s in stages {
            guard !s.name.isEmpty, s.name.count <= 64,
                  s.name.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control && $0 != " " })
            else { throw ConditionError(.invalidModel, "a stage name is 1 to 64 characters, without spaces or control characters") }
            guard names.insert(s.name).inserted else {
                throw ConditionError(.duplicateName, "two stages are named \"\(s.name)\"")
            }
            do {
                out.append((s.name, try Condition.parse(s.condition)))
            } catch {
                var e = error
                e.message = "stage \"\(s.name)\": " + e.message
                throw e
            }
        }
        if let w = warningStage, !names.contains(w) {
            throw ConditionError(.invalidModel, "the warning stage \"\(w)\" is not one of the stages")
        }
        return out
    }

    /// The model with each condition in canonical text.
    public func canonical() throws(ConditionError) -> LifecycleModel {
        let parsed = try parsed()
        var out = self
        for (k, p) in parsed.enumerated() { out.stages[k].condition = p.condition.description }  // trap-ok: one per stage
        return out
    }
}

extension ConditionError.Code {
    /// A lifecycle model that is not one: no stages, a bad name, an unknown warning stage.
    public static let invalidModel = ConditionError.Code(rawValue: "lifecycle_model")
}

/// Lifecycle stages evaluated as segments under reserved names.
///
/// Stage *k*'s segment is its condition and not in the segments of stages
/// 0..<k, so a profile is in at most one. A test of `stage` anywhere
/// (`stage = "at_risk"`, `stage in (…)`, `stage missing`) reads these
/// segments: it holds for the stages whose name passes the test, and for no
/// stage at all if a missing value passes it.
public enum LifecycleStages {
    static let prefix = "\u{1}stage:"

    /// The reserved segment name of a stage.
    public static func segmentName(_ stage: String) -> String { prefix + stage }

    /// The stage a reserved segment name stands for; `nil` for any other segment.
    public static func stage(ofSegment name: String) -> String? {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
    }

    /// Whether a segment is one of Rapport's own (a stage's or a rule tag's),
    /// not shown in lists and announcing no segment events.
    public static func isHidden(_ segment: String) -> Bool {
        segment.unicodeScalars.first == "\u{1}"
    }

    /// The stages' segments, each excluding those before it; `stage` tests in
    /// their conditions are read as in ``resolvingStage(_:)``.
    public static func segments(_ stages: [(name: String, condition: Condition)]) -> [SegmentDefinition] {
        let names = stages.map(\.name)
        var out: [SegmentDefinition] = []
        for (k, s) in stages.enumerated() {
            let earlier = names.prefix(k).map { Condition.not(.segment(segmentName($0))) }
            let own = s.condition.resolvingStage(names)
            out.append(SegmentDefinition(name: segmentName(s.name), condition: earlier.isEmpty ? own : .all([own] + earlier)))
        }
        return out
    }
}

extension Condition {
    /// This condition with each test of the profile's `stage` read as
    /// membership of the stages' segments (``LifecycleStages``).
    public func resolvingStage(_ stages: [String]) -> Condition {
        switch self {
        case .attribute(let path, let test) where path == ["stage"]:
            let evaluator = ConditionEvaluator(now: 0)
            var parts: [Condition] = stages.filter { evaluator.test(test, .value(.string($0))) }
                .map { .segment(LifecycleStages.segmentName($0)) }
            if evaluator.test(test, .missing) {
                parts.append(.not(.any(stages.map { .segment(LifecycleStages.segmentName($0)) })))
            }
            if parts.isEmpty { return .constant(false) }
            return parts.count == 1 ? parts[0] : .any(parts)  // trap-ok: checked
        case .all(let cs): return .all(cs.map { $0.resolvingStage(stages) })
        case .any(let cs): return .any(cs.map { $0.resolvingStage(stages) })
        case .not(let c): return .not(c.resolvingStage(stages))
        case .attribute, .events, .sequence, .constant, .segment, .tag: return self
        }
    }
}
