extension RFM {
    /// Purchases bucketed by customer: customer `c`'s purchases are
    /// `days[start[c] ..< start[c + 1]]` (and the same range of `cents`), in
    /// the order they were appended. Customers are in ascending order of id.
    public struct Grouped: Sendable {
        public var customers: [Int64] = []
        /// `customers.count + 1` offsets into `days` and `cents`.
        public var start: [Int] = [0]
        public var days: [Int32] = []
        public var cents: [Int64] = []

        public var count: Int { customers.count }

        /// The range of customer `c`'s purchases (`0 ..< count`).
        @inline(__always)
        public func range(of c: Int) -> Range<Int> {
            start[c]..<start[c + 1]  // trap-ok: callers pass c < count; start has count + 1 offsets
        }
    }
}

extension RFM.Purchases {
    /// The purchases on or before `lastDay`, bucketed by customer.
    ///
    /// Linear but for one radix sort of the ids when they are sparse:
    /// customers are numbered through a direct table when their ids are
    /// dense, as profile ids are.
    public func grouped(throughDay lastDay: Int) -> RFM.Grouped {
        let asOf = Int32(clamping: lastDay)
        let ids = customers
        let n = ids.count
        guard n == days.count, n == cents.count else { return RFM.Grouped() }
        // 1. Each purchase's customer number (-1: after the last day), in ascending order of id.
        var number = [Int32](repeating: -1, count: n)
        var customers: [Int64] = []
        var minId = Int64.max, maxId = Int64.min, kept = 0
        for i in 0..<n where days[i] <= asOf {  // trap-ok: i < n, counts checked
            kept += 1
            minId = min(minId, ids[i])  // trap-ok: same
            maxId = max(maxId, ids[i])  // trap-ok: same
        }
        guard kept > 0 else { return RFM.Grouped() }
        let (span, spanOverflow) = maxId.subtractingReportingOverflow(minId)
        if !spanOverflow, span < Int64(kept) * 4 + 4_096 {
            // Dense ids: a slot per possible id.
            var slot = [Int32](repeating: -1, count: Int(span) + 1)
            for i in 0..<n where days[i] <= asOf { slot[Int(ids[i] &- minId)] = 0 }  // trap-ok: minId ≤ id ≤ maxId
            var next: Int32 = 0
            for s in slot.indices where slot[s] == 0 {  // trap-ok: s in slot.indices
                slot[s] = next  // trap-ok: same
                next += 1
                customers.append(minId &+ Int64(s))
            }
            for i in 0..<n where days[i] <= asOf { number[i] = slot[Int(ids[i] &- minId)] }  // trap-ok: as above
        } else {
            // Sparse ids: sort them (sign bit flipped, so the unsigned order is the signed one).
            var keys: [UInt64] = []
            keys.reserveCapacity(kept)
            for i in 0..<n where days[i] <= asOf { keys.append(UInt64(bitPattern: ids[i]) ^ (1 << 63)) }  // trap-ok
            RadixSort.sort(&keys)
            var byId: [Int64: Int32] = [:]
            for key in keys {
                let id = Int64(bitPattern: key ^ (1 << 63))
                if customers.last != id {
                    byId[id] = Int32(customers.count)
                    customers.append(id)
                }
            }
            for i in 0..<n where days[i] <= asOf { number[i] = byId[ids[i]] ?? -1 }  // trap-ok: i < n
        }
        // 2. Buckets: counts, offsets, then each purchase in its customer's bucket.
        let m = customers.count
        var start = [Int](repeating: 0, count: m + 1)
        for i in 0..<n where number[i] >= 0 { start[Int(number[i]) + 1] += 1 }  // trap-ok: 0 ≤ number < m
        for c in 0..<m { start[c + 1] += start[c] }  // trap-ok: c + 1 ≤ m
        var bucketDays = [Int32](repeating: 0, count: kept)
        var bucketCents = [Int64](repeating: 0, count: kept)
        var fill = start
        for i in 0..<n {
            let c = Int(number[i])  // trap-ok: i < n
            guard c >= 0 else { continue }
            bucketDays[fill[c]] = days[i]  // trap-ok: fill[c] < start[c + 1] ≤ kept
            bucketCents[fill[c]] = cents[i]  // trap-ok: same
            fill[c] += 1  // trap-ok: 0 ≤ c < m
        }
        return RFM.Grouped(customers: customers, start: start, days: bucketDays, cents: bucketCents)
    }
}
