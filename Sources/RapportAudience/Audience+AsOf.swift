import RapportCore

extension Audience {
    /// The lifecycle stage of each profile position as it was at each of `times`: every definition evaluated
    /// with `now` at that time over the events before it. Profile attributes, tags and traits are read as
    /// they are now (they keep no history). A position whose first event came at or after a time has no
    /// stage then, nor does a position that is not live now.
    ///
    /// - Parameter stages: the stage names, in the model's order.
    /// - Returns: per time, per position, the stage's number in `stages` (-1: none).
    public mutating func stagesAsOf(_ times: [Int64], stages: [String]) -> [[Int16]] {
        let n = table.count
        guard !isEmpty, !needsProfiles, n > 0 else { return times.map { _ in Array(repeating: -1, count: n) } }
        owners.update(index: index, table: table, names: ColumnarEvaluator.tablesRead(traits: traits, segments: segments))
        table.clearOwnerChanges()
        let (firstSeen, _) = activity(firstDay: 0, dayCount: 0, offsetMinutes: 0)
        // Only the stages and what they read: the other definitions do not decide a stage.
        var wanted = Set(segments.compactMap { LifecycleStages.stage(ofSegment: $0.name) != nil ? $0.name : nil })
        var queue = Array(wanted)
        let byName = Dictionary(segments.map { ($0.name, $0.condition) }, uniquingKeysWith: { a, _ in a })
        while let name = queue.popLast() {
            for r in byName[name]?.segmentsReferred ?? [] where !wanted.contains(r) {
                wanted.insert(r)
                queue.append(r)
            }
        }
        let used = segments.filter { wanted.contains($0.name) }
        let traitNames = Set(used.flatMap { $0.condition.attributePathsReferred.compactMap(\.first) })
        let usedTraits = traits.filter { traitNames.contains($0.name) }
        let stageOfSegment: [Int16] = used.map { s in
            LifecycleStages.stage(ofSegment: s.name).flatMap { stages.firstIndex(of: $0) }.map { Int16(clamping: $0) } ?? -1
        }
        var out: [[Int16]] = []
        for time in times {
            // The events at or after the time have no owner: every scan passes over them.
            let masked: [[UInt32]] = owners.columns.enumerated().map { id, column in
                guard !column.isEmpty, id < index.tables.count else { return column }
                let times = index.tables[id].times  // trap-ok: checked
                var c = column
                for k in 0..<min(c.count, times.count) where times[k] >= time { c[k] = ProfileTable.none }  // trap-ok: checked
                return c
            }
            var evaluator = ColumnarEvaluator(index: index, table: table, now: time, owners: masked, horizon: time)
            let (_, bits) = evaluator.run(traits: usedTraits, segments: used)
            var stageOf = [Int16](repeating: -1, count: n)
            for (k, b) in bits.enumerated() where k < stageOfSegment.count && stageOfSegment[k] >= 0 {  // trap-ok: checked
                for pos in b.positions where pos < n && stageOf[pos] < 0 {  // trap-ok: checked
                    if pos < firstSeen.count, firstSeen[pos] < time, table.alive[pos] { stageOf[pos] = stageOfSegment[k] }  // trap-ok: checked
                }
            }
            out.append(stageOf)
        }
        return out
    }
}
