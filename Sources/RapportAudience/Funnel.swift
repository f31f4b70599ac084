import RapportCore

/// How a funnel's steps must follow each other.
public enum FunnelOrder: String, Sendable, CaseIterable, Codable {
    /// In order; other events may come between the steps.
    case sequential
    /// In order, each step the profile's very next event after the one before.
    case strict
    /// In any order, all within the window.
    case any
}

/// A funnel: ordered steps (events with optional `where` conditions), a
/// conversion window from the first step, and the time range in which the
/// first step counts.
public struct FunnelQuery: Sendable, Hashable {
    public var steps: [EventFilter]
    /// Milliseconds from the first step within which the last must follow.
    public var window: Int64
    public var order: FunnelOrder
    /// First steps count from `from` up to, not including, `to`; later steps up to `to` plus the window.
    public var from: Int64
    public var to: Int64

    public init(steps: [EventFilter], window: Int64, order: FunnelOrder = .sequential, from: Int64, to: Int64) {
        self.steps = steps
        self.window = window
        self.order = order
        self.from = from
        self.to = to
    }

    /// What is wrong with the query, if anything.
    public var problem: String? {
        if steps.isEmpty || steps.count > Self.maxSteps { return "a funnel has 1 to \(Self.maxSteps) steps" }
        if window <= 0 { return "the conversion window must be positive" }
        if from >= to { return "the time range is empty (from must be before to)" }
        return nil
    }

    public static let maxSteps = 16

    /// The end of the time in which later steps count.
    var end: Int64 {
        let (e, o) = to.addingReportingOverflow(window)
        return o ? .max : e
    }
}

/// Every profile's way through a funnel, by position (the audience's profile table).
public struct FunnelPaths: Sendable, Equatable {
    public var steps: Int
    public var ids: [ProfileID]
    /// Per position: the steps done (0: did not enter; k: steps 1 … k), 0 for positions of no live profile.
    public var reached: [UInt8]
    /// Per position × step: when each step was done in the attempt counted (`Int64.min`: not done).
    public var times: [Int64]
    /// Per position: the index row of the attempt's first step (`UInt32.max`: none).
    public var entryRows: [UInt32]

    public init(steps: Int, ids: [ProfileID]) {
        self.steps = steps
        self.ids = ids
        reached = Array(repeating: 0, count: ids.count)
        times = Array(repeating: .min, count: ids.count * steps)
        entryRows = Array(repeating: .max, count: ids.count)
    }

    /// Position `pos`'s step times (as many as its steps done).
    public func stepTimes(_ pos: Int) -> ArraySlice<Int64> {
        guard pos >= 0, pos < reached.count else { return [] }
        return times[pos * steps ..< pos * steps + Int(reached[pos])]  // trap-ok: reached ≤ steps
    }
}

extension Audience {
    /// Every live profile's way through `query`'s funnel, over the index.
    ///
    /// In order (`sequential`), the step tables are read once, merged in
    /// (time, log) order, keeping per profile and step the latest start of an
    /// attempt that got that far (a later start leaves more of the window) —
    /// the furthest step any attempt reaches within the window is the
    /// profile's. `any` keeps each step's latest time instead; `strict`, and
    /// a profile whose events are not met in (time, log) order (logged late),
    /// are worked out from the profile's history.
    public mutating func funnel(_ query: FunnelQuery) throws(ConditionError) -> FunnelPaths {
        try funnel(query, workers: nil)
    }

    /// The same, with the merged pass split over `workers` (by default, the cores, for large tables).
    mutating func funnel(_ query: FunnelQuery, workers: Int?) throws(ConditionError) -> FunnelPaths {
        if let problem = query.problem { throw ConditionError(.invalidFunnel, problem) }
        var names = ColumnarEvaluator.tablesRead(traits: traits, segments: segments)
        if names != nil {
            for s in query.steps { if let n = s.name { names?.insert(n) } else { names = nil; break } }
        }
        owners.update(index: index, table: table, names: names)
        table.clearOwnerChanges()
        var scan = FunnelScan(index: index, table: table, owners: owners.columns, query: query)
        scan.workers = workers.map { max(1, $0) }
        return scan.run()
    }
}

extension ConditionError.Code {
    /// A funnel that is not one: no steps, too many, an empty range or window.
    public static let invalidFunnel = ConditionError.Code(rawValue: "invalid_funnel")
}

/// The work of ``Audience/funnel(_:)``.
struct FunnelScan {
    let index: AudienceIndex
    let table: ProfileTable
    let owners: [[UInt32]]
    let query: FunnelQuery
    let filters: [RowFilter]
    let steps: Int
    var out: FunnelPaths
    /// Workers for the merged pass; `nil`: as many as the cores, for large tables.
    var workers: Int?

    init(index: AudienceIndex, table: ProfileTable, owners: [[UInt32]], query: FunnelQuery) {
        self.index = index
        self.table = table
        self.owners = owners
        self.query = query
        let reference = ConditionEvaluator(now: query.to)
        filters = query.steps.map { RowFilter($0, index: index, evaluator: reference) }
        steps = query.steps.count
        out = FunnelPaths(steps: query.steps.count, ids: table.ids)
    }

    mutating func run() -> FunnelPaths {
        if query.order == .strict || query.steps.contains(where: { $0.name == nil }) {
            // Every event of the profile matters (or any event is a step): histories.
            for pos in entrants() { walkHistory(pos) }
            return out
        }
        let disordered = mergedPass()
        for pos in disordered.positions where table.alive[pos] { walkHistory(pos) }
        return out
    }

    // MARK: The merged pass

    /// One name's events that pass some step: their ordinals' step masks.
    struct Source: Sendable {
        var table: NameTable
        var owners: [UInt32]
        var from: Int
        var end: Int
        /// Per ordinal from `from`: the steps it passes, a bit each.
        var masks: [UInt32]
    }

    /// The step tables merged in (time, log) order; returns the positions met out of that order.
    ///
    /// Each core takes the positions of its own residue (position mod the
    /// number of workers): every worker reads all the step events, but
    /// keeps and updates the state of its positions only.
    mutating func mergedPass() -> Bits {
        let n = table.count
        var disordered = Bits(count: n)
        // The step tables, one source per name with the steps it serves; the masks worked out on every core.
        var planned: [Plan] = []
        var byName: [UInt32: Int] = [:]
        let reference = ConditionEvaluator(now: query.to)
        for (k, step) in query.steps.enumerated() {
            guard let name = step.name, let id = index.names.existing(name), Int(id) < index.tables.count,
                  Int(id) < owners.count, owners[Int(id)].count == index.tables[Int(id)].count else { continue }  // trap-ok: checked
            let test = step.condition.map { RowTest($0, index: self.index, evaluator: reference) }
            if let s = byName[id] {
                planned[s].steps.append(Plan.Step(bit: UInt32(1) << UInt32(k), test: test))  // trap-ok: s < planned.count
            } else {
                byName[id] = planned.count
                planned.append(Plan(id: Int(id), steps: [Plan.Step(bit: UInt32(1) << UInt32(k), test: test)]))
            }
        }
        let index = self.index, owners = self.owners, from = query.from, plans = planned
        let sources: [Source] = Parallel.map(plans, cost: { (p: Plan) -> Int in p.id < index.tables.count ? index.tables[p.id].count : 0 }) { (plan: Plan) -> Source in  // trap-ok: checked
            let t = index.tables[plan.id], own = owners[plan.id]  // trap-ok: checked when planned
            let start = t.firstOrdinal(notBefore: from)
            var masks = [UInt32](repeating: 0, count: t.count - start)
            masks.withUnsafeMutableBufferPointer { m in
                for step in plan.steps {
                    let bit = step.bit
                    if let test = step.test {
                        let pass = RowTest.passes(test, table: t, nameId: plan.id, from: start, owners: own)
                        for (j, ok) in pass.enumerated() where ok && j < m.count { m[j] |= bit }
                    } else {
                        // No condition: every event with a live owner.
                        own.withUnsafeBufferPointer { o in
                            for j in 0..<m.count where o[start + j] != ProfileTable.none { m[j] |= bit }  // trap-ok: start + j < count
                        }
                    }
                }
            }
            return Source(table: t, owners: own, from: start, end: t.count, masks: masks)
        }
        guard !sources.isEmpty, n > 0 else { return disordered }
        // A power of two, so that a position's worker and place are a mask and a shift.
        let wanted = self.workers ?? min(Parallel.workers, max(1, n / 4_096))
        let workers = 1 << (Int.bitWidth - 1 - max(1, wanted).leadingZeroBitCount)
        let steps = self.steps, query = self.query, merged = sources
        let parts = Parallel.map(Array(0..<workers), cost: { _ in 1 }) { w in
            Self.scan(merged, positions: n, steps: steps, query: query, worker: w, of: workers)
        }
        for (w, part) in parts.enumerated() {
            for (i, done) in part.reached.enumerated() where done > 0 {
                let pos = i * workers + w
                guard pos < n, table.alive[pos] else { continue }
                out.reached[pos] = done  // trap-ok: pos < n
                for k in 0..<Int(done) { out.times[pos * steps + k] = part.times[i * steps + k] }  // trap-ok: k < done ≤ steps
                out.entryRows[pos] = part.entries[i]  // trap-ok: one per local position
            }
            for pos in part.disordered where pos < n { disordered[pos] = true }
        }
        return disordered
    }

    /// A step table and the steps it serves.
    struct Plan: Sendable {
        struct Step: Sendable {
            var bit: UInt32
            var test: RowTest?
        }
        var id: Int
        var steps: [Step]
    }

    /// What one worker found for its positions (local index i: position i × workers + worker).
    struct Part: Sendable {
        var reached: [UInt8]
        var times: [Int64]
        var entries: [UInt32]
        var disordered: [Int]
    }

    /// One worker's merged pass.
    static func scan(_ sources: [Source], positions n: Int, steps: Int, query: FunnelQuery, worker w: Int, of workers: Int) -> Part {
        let m = (n - w + workers - 1) / workers
        let shift = workers.trailingZeroBitCount, residue = workers - 1
        // Per local position, one record: last time, last row (to see events out of order), then the latest
        // start of an attempt at each step (`Int64.min`: none).
        let width = 2 + steps
        var state = [Int64](repeating: .min, count: m * width)
        // Per local position and step: that attempt's step times and entry row.
        var attempt = [Int64](repeating: .min, count: m * steps * steps)
        var entry = [UInt32](repeating: .max, count: m * steps)
        var part = Part(reached: Array(repeating: 0, count: m), times: Array(repeating: .min, count: m * steps),
                        entries: Array(repeating: .max, count: m), disordered: [])
        let window = query.window, from = query.from, to = query.to, end = query.end
        let any = query.order == .any
        var heads = sources.map(\.from)
        var isDisordered = [Bool](repeating: false, count: m)
        while true {
            // The earliest head in (time, row) order.
            var pick = -1
            var bestTime = Int64.max, bestRow = UInt32.max
            for s in 0..<sources.count {
                let h = heads[s]  // trap-ok: heads parallel sources
                guard h < sources[s].end else { continue }  // trap-ok: same
                let t = sources[s].table.times[h], r = sources[s].table.rows[h]  // trap-ok: h < end ≤ count
                if t < bestTime || (t == bestTime && r < bestRow) {
                    bestTime = t
                    bestRow = r
                    pick = s
                }
            }
            guard pick >= 0 else { break }
            let h = heads[pick]  // trap-ok: pick < count
            heads[pick] = h + 1  // trap-ok: same
            let time = bestTime, row = bestRow
            if time >= end {
                // Past the end: so is the rest of a table in time order.
                if sources[pick].table.timeOrdered { heads[pick] = sources[pick].end }  // trap-ok: same
                continue
            }
            let mask = sources[pick].masks[h - sources[pick].from]  // trap-ok: from ≤ h < end
            guard mask != 0 else { continue }
            let pos = Int(sources[pick].owners[h])  // trap-ok: h < count; passing ordinals have live owners < n
            guard pos < n, pos & residue == w else { continue }
            let i = pos >> shift
            let base = i * width
            let r64 = Int64(row)
            if time < state[base] || (time == state[base] && r64 < state[base + 1]) { isDisordered[i] = true }  // trap-ok: i < m
            state[base] = time  // trap-ok: base + 1 < m × width
            state[base + 1] = r64  // trap-ok: same
            let s0 = base + 2
            if any {
                // The latest time of each step; the window ending now holds the steps done since now − window.
                for k in 0..<steps where mask & (1 << UInt32(k)) != 0 && (k > 0 || (time >= from && time < to)) {
                    state[s0 + k] = time  // trap-ok: k < steps
                    if k == 0 { entry[i * steps] = row }  // trap-ok: i < m
                }
                var done = 0
                while done < steps, state[s0 + done] != .min, time - state[s0 + done] <= window { done += 1 }  // trap-ok: done < steps
                if done > Int(part.reached[i]) {  // trap-ok: i < m
                    part.reached[i] = UInt8(done)  // trap-ok: same
                    for k in 0..<done { part.times[i * steps + k] = state[s0 + k] }  // trap-ok: k < steps
                    part.entries[i] = entry[i * steps]  // trap-ok: i < m
                }
                continue
            }
            // Later steps first, so that one event does not do two steps.
            var bits = mask
            while bits != 0 {
                let k = UInt32.bitWidth - 1 - bits.leadingZeroBitCount
                bits &= ~(UInt32(1) << UInt32(k))
                if k == 0 {
                    if time >= from && time < to && time > state[s0] {  // trap-ok: s0 < m × width
                        state[s0] = time  // trap-ok: same
                        attempt[i * steps * steps] = time  // trap-ok: i < m
                        entry[i * steps] = row  // trap-ok: same
                    }
                } else if k < steps {
                    let s = state[s0 + k - 1]  // trap-ok: 1 ≤ k < steps
                    if s != .min, time - s <= window, s > state[s0 + k] {  // trap-ok: same
                        state[s0 + k] = s  // trap-ok: same
                        let a = i * steps
                        entry[a + k] = entry[a + k - 1]  // trap-ok: k < steps
                        let into = (a + k) * steps, prior = (a + k - 1) * steps
                        for j in 0..<k { attempt[into + j] = attempt[prior + j] }  // trap-ok: j < k < steps
                        attempt[into + k] = time  // trap-ok: same
                    }
                }
            }
        }
        for i in 0..<m {
            if isDisordered[i] {  // trap-ok: i < m
                part.disordered.append(i * workers + w)
                part.reached[i] = 0  // trap-ok: same
                continue
            }
            guard !any else { continue }
            let s0 = i * width + 2
            var k = steps - 1
            while k >= 0, state[s0 + k] == .min { k -= 1 }  // trap-ok: 0 ≤ k < steps
            guard k >= 0 else { continue }
            part.reached[i] = UInt8(k + 1)  // trap-ok: i < m
            for j in 0...k { part.times[i * steps + j] = attempt[(i * steps + k) * steps + j] }  // trap-ok: j ≤ k < steps
            part.entries[i] = entry[i * steps + k]  // trap-ok: same
        }
        return part
    }

    // MARK: Histories

    /// The positions with a first step in the range.
    func entrants() -> [Int] {
        var found = Bits(count: table.count)
        guard let first = filters.first else { return [] }
        for (slot, rows) in index.bySlot.enumerated() where Int(slot) < table.ownerOfSlot.count {
            let pos = Int(table.ownerOfSlot[slot])  // trap-ok: checked
            guard pos < table.count, !found[pos] else { continue }
            for r in rows {
                let t = index.time(Int(r))
                if t >= query.from, t < query.to, first.passes(Int(r), index) {
                    found[pos] = true
                    break
                }
            }
        }
        return found.positions.filter { table.alive[$0] }
    }

    /// Works out one position from its history, in (time, log) order.
    mutating func walkHistory(_ pos: Int) {
        guard pos < table.slotsOf.count else { return }
        let rows = index.rows(ofSlots: table.slotsOf[pos], nameId: nil)  // trap-ok: checked
        let result = FunnelWalk.walk(rows.map { r in
            let row = Int(r)
            var mask: UInt32 = 0
            for (k, f) in filters.enumerated() where f.passes(row, index) { mask |= 1 << UInt32(k) }
            return FunnelWalk.Event(time: index.time(row), row: r, mask: mask)
        }, query: query)
        let base = pos * steps
        out.reached[pos] = UInt8(result.times.count)  // trap-ok: pos < count
        for k in 0..<steps { out.times[base + k] = k < result.times.count ? result.times[k] : .min }  // trap-ok: k < steps
        out.entryRows[pos] = result.entry  // trap-ok: pos < count
    }
}

/// One profile's way through a funnel, from its events in (time, log) order.
enum FunnelWalk {
    struct Event {
        var time: Int64
        var row: UInt32
        /// The steps the event passes, a bit each.
        var mask: UInt32
    }

    /// The furthest attempt's step times and its first step's row.
    static func walk(_ events: [Event], query: FunnelQuery) -> (times: [Int64], entry: UInt32) {
        let steps = query.steps.count
        let window = query.window, end = query.end
        func inRange(_ t: Int64) -> Bool { t >= query.from && t < query.to }
        var best: [Int64] = [], bestEntry = UInt32.max
        switch query.order {
        case .sequential, .strict:
            // Per step: the attempt that got that far with the latest start (its times and entry row).
            var attempts: [(times: [Int64], entry: UInt32)?] = Array(repeating: nil, count: steps)
            for e in events where e.time < end {
                var next = query.order == .strict ? Array(repeating: nil, count: steps) : attempts
                for k in stride(from: steps - 1, through: 0, by: -1) where e.mask & (1 << UInt32(k)) != 0 {
                    if k == 0 {
                        if inRange(e.time), (next[0]?.times.first ?? .min) < e.time || query.order == .strict {  // trap-ok: steps ≥ 1
                            next[0] = ([e.time], e.row)  // trap-ok: same
                        }
                    } else if let a = attempts[k - 1], let s = a.times.first, e.time - s <= window,  // trap-ok: 1 ≤ k < steps
                              (next[k]?.times.first ?? .min) < s || query.order == .strict {  // trap-ok: k < steps
                        next[k] = (a.times + [e.time], a.entry)  // trap-ok: same
                    }
                }
                attempts = next
                for k in stride(from: steps - 1, through: 0, by: -1) {
                    if let a = attempts[k], a.times.count > best.count {  // trap-ok: k < steps
                        best = a.times
                        bestEntry = a.entry
                    }
                }
            }
        case .any:
            var latest = [Int64](repeating: .min, count: steps)
            var entry = UInt32.max
            for e in events where e.time < end {
                for k in 0..<steps where e.mask & (1 << UInt32(k)) != 0 && (k > 0 || inRange(e.time)) {
                    latest[k] = e.time  // trap-ok: k < steps
                    if k == 0 { entry = e.row }
                }
                var done = 0
                while done < steps, latest[done] != .min, e.time - latest[done] <= window { done += 1 }  // trap-ok: done < steps
                if done > best.count {
                    best = Array(latest[0..<done])
                    bestEntry = entry
                }
            }
        }
        return (best, bestEntry)
    }
}
