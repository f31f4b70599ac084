import RapportCore

/// What reports read of an audience: events as (position, time) columns, and
/// profiles by position.
extension Audience {
    /// The events passing `filter` (every event when `nil`) of live profiles,
    /// before `end`, as columns: each event's owner position and time.
    public mutating func occurrences(of filter: EventFilter?, before end: Int64 = .max) -> (positions: [UInt32], times: [Int64]) {
        let o = occurrences(of: filter, reading: [], before: end)
        return (o.positions, o.times)
    }

    /// The number of profile positions (live or not).
    public var positionCount: Int { table.count }

    /// The profile at a position, if it is live.
    public func profile(at pos: Int) -> ProfileID? {
        guard pos >= 0, pos < table.ids.count, table.alive[pos] else { return nil }
        return table.ids[pos]  // trap-ok: checked
    }

    /// A live profile's position.
    public func position(of id: ProfileID) -> Int? { table.position(of: id) }

    /// Whether the profile at each position is in `segment`; `nil` if there is no such segment.
    public func membership(of segment: String) -> [Bool]? {
        guard let k = segments.firstIndex(where: { $0.name == segment }), k < memberBits.count else { return nil }
        let bits = memberBits[k]  // trap-ok: checked
        return (0..<table.count).map { bits[$0] }
    }

    /// Records every live profile in the table without evaluating anything: what reports need of an audience
    /// without definitions (which keeps no table of its own as events arrive).
    public mutating func recordProfiles(_ profiles: [AudienceProfile]) {
        let given = Set(profiles.map(\.id))
        for id in table.ids where table.position(of: id) != nil && !given.contains(id) { _ = table.remove(id) }
        for p in profiles { table.set(p, index: index) }
    }
}

extension AudienceIndex {
    /// The value an event (by row) has at a registered path; `nil` if the path is not kept or the event lacks it.
    public func value(row: Int, path: EventPath) -> JSONValue? {
        guard let p = pathId(path), row >= 0, row < count, p < values.count else { return nil }
        let id = Int(valueId(row, path: p))
        guard id > 0, id <= values[p].items.count else { return nil }  // trap-ok: checked
        return values[p].items[id - 1]  // trap-ok: checked
    }
}

extension Audience {
    /// Each live profile's activity as of each of `days` (UTC days since 1970, inclusive): the day of its
    /// last event by then, and its events in the 7 and 30 days up to it. Profiles with no event by a day
    /// are left out of that day's answer. One pass over every event.
    public func activity(asOfDays days: [Int]) -> [[ProfileID: (lastDay: Int, last7: Int, last30: Int)]] {
        let n = table.count, s = days.count
        guard n > 0, s > 0 else { return Array(repeating: [:], count: s) }
        var last = [Int32](repeating: .min, count: n * s)
        var c7 = [UInt32](repeating: 0, count: n * s), c30 = c7
        let bounds = days.map { Int32(clamping: $0) }
        for t in index.tables {
            for k in 0..<t.count {
                let pos = Int(table.owner(t.slots[k]))  // trap-ok: k < count
                guard pos < n else { continue }
                let (q, r) = t.times[k].quotientAndRemainder(dividingBy: 86_400_000)  // trap-ok: same
                let d = Int32(clamping: r < 0 ? q - 1 : q)
                for (j, b) in bounds.enumerated() where d <= b {
                    let i = pos * s + j
                    last[i] = max(last[i], d)  // trap-ok: i < n × s
                    if d > b &- 7 { c7[i] &+= 1 }  // trap-ok: same
                    if d > b &- 30 { c30[i] &+= 1 }  // trap-ok: same
                }
            }
        }
        var out: [[ProfileID: (lastDay: Int, last7: Int, last30: Int)]] = Array(repeating: [:], count: s)
        for pos in 0..<n where table.alive[pos] && pos < table.ids.count {
            for j in 0..<s where last[pos * s + j] != .min {  // trap-ok: pos < n, j < s
                out[j][table.ids[pos]] = (Int(last[pos * s + j]), Int(c7[pos * s + j]), Int(c30[pos * s + j]))  // trap-ok: same
            }
        }
        return out
    }
}
