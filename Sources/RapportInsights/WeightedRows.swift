/// Rows of a fit counted once per distinct key with a weight, and each row's
/// count x numbered among the distinct ones (so figures that depend on x
/// alone — ln Γ, ψ — are worked out once per x per evaluation).
struct WeightedRows<Key: Hashable & Sendable>: Sendable {
    /// Per row: how many inputs it stands for.
    private(set) var weight: [Double] = []
    /// Per row: its x's place in ``distinctX``.
    private(set) var xIndex: [Int] = []
    private(set) var distinctX: [Double] = []
    /// The number of inputs.
    private(set) var total: Double = 0
    private var row: [Key: Int] = [:]
    private var xPlace: [Int: Int] = [:]

    var count: Int { weight.count }

    /// Counts an input; `true` when its key is new (the caller then appends the row's own columns).
    mutating func add(_ key: Key, x: Int) -> Bool {
        total += 1
        if let k = row[key] {
            weight[k] += 1  // trap-ok: k was appended
            return false
        }
        row[key] = weight.count
        weight.append(1)
        if let d = xPlace[x] {
            xIndex.append(d)
        } else {
            xPlace[x] = distinctX.count
            xIndex.append(distinctX.count)
            distinctX.append(Double(x))
        }
        return true
    }
}
