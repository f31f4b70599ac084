/// Tags kept current by a rule.
///
/// A rule tag is evaluated as a segment under a reserved name (a control
/// character no operator's name may hold, then `tag:` and the tag), and every
/// `has tag "t"` of a rule tag becomes `has tag "t" or in segment <t's>`: a
/// profile carries the tag when it was set by hand or when the rule holds.
/// Evaluation order, cycles and both evaluators come from segments as they
/// are.
public enum TagRules {
    static let prefix = "\u{1}tag:"

    /// The reserved segment name of a rule tag.
    public static func segmentName(_ tag: String) -> String { prefix + tag }

    /// The tag a reserved segment name keeps; `nil` for an operator's segment.
    public static func tag(ofSegment name: String) -> String? {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
    }

    /// The segments to evaluate: `segments` and one per rule, with `has tag`
    /// of each rule tag widened to its rule's segment.
    public static func segments(_ segments: [SegmentDefinition], rules: [(tag: String, condition: Condition)])
        -> [SegmentDefinition]
    {
        let ruled = Set(rules.map(\.tag))
        func widen(_ c: Condition) -> Condition {
            if ruled.isEmpty { return c }
            return c.replacingTags { t in ruled.contains(t) ? .any([.tag(t), .segment(segmentName(t))]) : nil }
        }
        return segments.map { SegmentDefinition(name: $0.name, condition: widen($0.condition)) }
            + rules.map { SegmentDefinition(name: segmentName($0.tag), condition: widen($0.condition)) }
    }
}

extension Condition {
    /// This condition with each `has tag` for which `replacement` gives a
    /// condition replaced by it.
    public func replacingTags(_ replacement: (String) -> Condition?) -> Condition {
        switch self {
        case .tag(let t): return replacement(t) ?? self
        case .all(let cs): return .all(cs.map { $0.replacingTags(replacement) })
        case .any(let cs): return .any(cs.map { $0.replacingTags(replacement) })
        case .not(let c): return .not(c.replacingTags(replacement))
        case .attribute, .events, .sequence, .constant, .segment: return self
        }
    }
}
