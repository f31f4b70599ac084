import RapportCore

/// What a path inside an event's `where` (or after `sum … of`) names: the
/// event's name, a property, or a member of its context — as
/// ``SubjectEvent/value(at:)`` reads it. `revenue` and `properties.revenue`
/// are the same path.
public enum EventPath: Hashable, Sendable {
    case name
    /// Under `properties` (the whole object when empty).
    case properties([String])
    /// Under `context` (the whole object when empty).
    case context([String])
    /// The Rapport source (write key) the event came in through, as its id: the channel (web, app,
    /// mini-program, store, CRM). Reports break down by it; the condition language does not name it.
    case source

    /// The path as written; `nil` for an empty one.
    public init?(_ path: [String]) {
        guard let head = path.first else { return nil }
        switch head {
        case "properties": self = .properties(Array(path.dropFirst()))
        case "context": self = .context(Array(path.dropFirst()))
        case "event" where path.count == 1: self = .name
        default: self = .properties(path)
        }
    }

    /// The value at this path of an event's `properties` and `context`.
    func value(properties: JSONValue?, context: JSONValue?, source: SourceID?) -> JSONValue? {
        switch self {
        case .name: return nil
        case .source: return source.map { .number(Double($0)) }
        case .properties(let p): return properties.flatMap { SubjectEvent.lookup($0, p[...]) }
        case .context(let p): return context.flatMap { SubjectEvent.lookup($0, p[...]) }
        }
    }
}

extension Condition {
    /// The event paths the condition reads: the properties its event filters
    /// test and its aggregates take (`revenue` in `sum revenue of …`). An
    /// audience index keeps exactly these for each event.
    public var eventPathsReferred: Set<EventPath> {
        var out: Set<EventPath> = []
        collectEventPaths(into: &out, inFilter: false)
        return out
    }

    func collectEventPaths(into out: inout Set<EventPath>, inFilter: Bool) {
        switch self {
        case .all(let cs), .any(let cs): for c in cs { c.collectEventPaths(into: &out, inFilter: inFilter) }
        case .not(let c): c.collectEventPaths(into: &out, inFilter: inFilter)
        case .attribute(let path, _):
            if inFilter, let p = EventPath(path), p != .name { out.insert(p) }
        case .events(let e):
            e.filter.collectEventPaths(into: &out)
            if let p = e.aggregate.propertyPath.flatMap(EventPath.init), p != .name { out.insert(p) }
        case .sequence(let s):
            s.first.collectEventPaths(into: &out)
            s.second.collectEventPaths(into: &out)
        case .constant, .segment, .tag: break
        }
    }
}

extension EventFilter {
    func collectEventPaths(into out: inout Set<EventPath>) {
        condition?.collectEventPaths(into: &out, inFilter: true)
    }
}

extension EventTest.Aggregate {
    /// The property the aggregate takes, if it takes one.
    public var propertyPath: [String]? {
        switch self {
        case .sum(let p), .average(let p), .minimum(let p), .maximum(let p), .distinct(let p): p
        case .count, .firstTime, .lastTime: nil
        }
    }
}
