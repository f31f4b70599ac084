/// Identifier counts per kind for one profile under construction: a few
/// kinds, so a small array searched linearly beats a dictionary.
struct KindCounts {
    private var items: [(kind: String, count: Int)] = []

    init() {}

    init(_ dictionary: [String: Int]) {
        items.reserveCapacity(dictionary.count + 2)
        for (kind, n) in dictionary { items.append((kind, n)) }
    }

    subscript(kind: String) -> Int {
        for item in items where item.kind == kind { return item.count }
        return 0
    }

    /// Adds `n` to the count of `kind`, saturating instead of overflowing.
    mutating func add(_ n: Int, to kind: String) {
        for i in items.indices where items[i].kind == kind {  // trap-ok: i from indices
            let (sum, overflow) = items[i].count.addingReportingOverflow(n)  // trap-ok: i from indices
            items[i].count = overflow ? Int.max : sum  // trap-ok: i from indices
            return
        }
        if items.isEmpty { items.reserveCapacity(6) }
        items.append((kind, n))
    }
}
