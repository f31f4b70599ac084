import RapportCore

/// Where customers go after an event (or came from before it): each live
/// profile's events next to its first anchor event in a time range.
public struct PathQuery: Sendable, Hashable {
    public var anchor: EventFilter
    /// After the anchor (`true`) or before it.
    public var after: Bool
    /// Events to follow from the anchor (1–10).
    public var steps: Int
    public var from: Int64
    public var to: Int64
    /// Consecutive events of one name count as one step (a page viewed five times in a row).
    public var collapseRepeats: Bool

    public init(anchor: EventFilter, after: Bool = true, steps: Int = 4, from: Int64, to: Int64, collapseRepeats: Bool = true) {
        self.anchor = anchor
        self.after = after
        self.steps = steps
        self.from = from
        self.to = to
        self.collapseRepeats = collapseRepeats
    }

    public var problem: String? {
        if !(1...10).contains(steps) { return "a path has 1 to 10 steps" }
        if from >= to { return "the time range is empty (from must be before to)" }
        return nil
    }
}

/// Each profile's path: the names of the events after (or before, nearest first) its first anchor.
public struct ProfilePaths: Sendable, Equatable {
    /// Profiles with an anchor in the range.
    public var anchored: Int
    /// Each anchored profile's path (its event names, in order from the anchor).
    public var paths: [[String]]

    public init(anchored: Int, paths: [[String]]) {
        self.anchored = anchored
        self.paths = paths
    }
}

extension Audience {
    /// The paths of `query` (``PathQuery``): per live profile with an anchor
    /// event in the range, the names of the `steps` events after (or
    /// before) its first one there, in (time, log) order.
    public mutating func paths(_ query: PathQuery) throws(ConditionError) -> ProfilePaths {
        if let problem = query.problem { throw ConditionError(.invalidFunnel, problem) }
        let filter = RowFilter(query.anchor, index: index, evaluator: ConditionEvaluator(now: query.to))
        // The first anchor of each position: from the anchor's table in ordinal order, or every table for any event.
        var first = [Int64](repeating: .max, count: table.count)
        let anchored = occurrences(of: query.anchor, before: query.to)
        for (p, t) in zip(anchored.positions, anchored.times) where t >= query.from && Int(p) < first.count {
            if t < first[Int(p)] { first[Int(p)] = t }  // trap-ok: checked
        }
        // Each anchored profile's walk, on every core (positions in pieces, results in position order).
        let index = self.index, table = self.table, firstTimes = first
        let pieces = Parallel.ranges(table.count, minimum: 8_192)
        let walked = Parallel.map(pieces, cost: { $0.count }) { range -> [[String]] in
            var paths: [[String]] = []
            for pos in range where firstTimes[pos] != .max && table.alive[pos] && pos < table.slotsOf.count {  // trap-ok: pos < count
                if let names = Self.walk(index: index, rows: index.rows(ofSlots: table.slotsOf[pos], nameId: nil),  // trap-ok: checked
                                         from: firstTimes[pos], filter: filter, query: query) {  // trap-ok: pos < count
                    paths.append(names)
                }
            }
            return paths
        }
        var out = ProfilePaths(anchored: 0, paths: [])
        for paths in walked { out.paths += paths }
        out.anchored = out.paths.count
        return out
    }

    /// The names of the events next to the first anchor at or after `first` in `rows` ((time, log) order).
    static func walk(index: AudienceIndex, rows: [AudienceIndex.Row], from first: Int64, filter: RowFilter,
                     query: PathQuery) -> [String]? {
        // The anchor: the first row at that time that passes the filter.
        guard let at = rows.firstIndex(where: { index.time(Int($0)) >= first && filter.passes(Int($0), index) }) else {
            return nil
        }
        var names: [String] = []
        // With repeats collapsed, the anchor's own name repeated is no step either.
        let anchorId = Int(index.rowName[Int(rows[at])])  // trap-ok: at is an index of rows; rows of the index
        var last: String? = query.collapseRepeats && anchorId < index.names.items.count ? index.names.items[anchorId] : nil  // trap-ok: checked
        var k = at
        while names.count < query.steps {
            k += query.after ? 1 : -1
            guard k >= 0, k < rows.count else { break }
            let id = Int(index.rowName[Int(rows[k])])  // trap-ok: k is an index of rows; rows of the index
            guard id < index.names.items.count else { continue }
            let name = index.names.items[id]  // trap-ok: checked
            if query.collapseRepeats, last == name { continue }
            names.append(name)
            last = name
        }
        return names
    }
}
