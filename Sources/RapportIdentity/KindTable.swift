import RapportCore

/// The kind rules in a form that is cheap to consult on the hot path: a
/// shared immutable object (copying rules copies one reference), searched
/// linearly with small-string comparisons instead of hashing.
final class KindTable: Sendable {
    private let kinds: [String]
    private let ranks: [Int]
    private let maxes: [Int]
    let unknownKindRank: Int
    let defaultMaxPerProfile: Int

    init(rules: [IdentityRules.KindRule], defaultMaxPerProfile: Int) {
        var kinds: [String] = [], ranks: [Int] = [], maxes: [Int] = []
        for (i, rule) in rules.enumerated() where !kinds.contains(rule.kind) {
            kinds.append(rule.kind)
            ranks.append(2 * i)
            maxes.append(rule.maxPerProfile)
        }
        self.kinds = kinds
        self.ranks = ranks
        self.maxes = maxes
        self.defaultMaxPerProfile = defaultMaxPerProfile
        if let device = kinds.firstIndex(of: Identifier.Kind.deviceId), device < ranks.count {
            unknownKindRank = ranks[device] - 1  // trap-ok: device < ranks.count
        } else {
            unknownKindRank = 2 * rules.count
        }
    }

    func rank(of kind: String) -> Int {
        guard let i = kinds.firstIndex(of: kind), i < ranks.count else { return unknownKindRank }
        return ranks[i]  // trap-ok: i < count checked
    }

    func maxPerProfile(_ kind: String) -> Int {
        guard let i = kinds.firstIndex(of: kind), i < maxes.count else { return defaultMaxPerProfile }
        return maxes[i]  // trap-ok: i < count checked
    }

    /// Sorts a few identifiers into priority order in place and removes
    /// duplicates (insertion sort: already sorted input, the usual case,
    /// costs one rank comparison each).
    func sortAndDeduplicate(_ ids: inout [Identifier]) {
        guard ids.count > 1 else { return }
        // The ranks live on the stack: this runs for every projected event.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: ids.count) { ranks in
            var increasing = true
            for (k, id) in ids.enumerated() {
                let r = rank(of: id.kind)
                if k > 0, ranks[k - 1] >= r { increasing = false }  // trap-ok: 0 < k < capacity
                ranks.initializeElement(at: k, to: r)
            }
            // Strictly increasing ranks: sorted, and distinct kinds cannot repeat an identifier.
            if increasing { return }
            var i = 1
            while i < ids.count {
                var j = i
                // trap-ok: 0 < j < count for ids and ranks alike
                while j > 0, ranks[j] < ranks[j - 1] || (ranks[j] == ranks[j - 1] && Self.sameRankPrecedes(ids[j], ids[j - 1])) {
                    ids.swapAt(j, j - 1)
                    ranks.swapAt(j, j - 1)
                    j -= 1
                }
                i += 1
            }
            var last = 0
            for k in 1..<ids.count {
                // trap-ok: last < k < count; duplicates share a rank
                if ranks[k] == ranks[last], ids[k] == ids[last] { continue }
                last += 1
                if last != k {
                    ids.swapAt(last, k)
                    ranks.swapAt(last, k)
                }
            }
            ids.removeLast(ids.count - last - 1)
        }
    }

    /// Order of two identifiers of equal rank: kind, then value.
    @inline(__always)
    static func sameRankPrecedes(_ a: Identifier, _ b: Identifier) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        return a.value < b.value
    }
}
