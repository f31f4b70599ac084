import RapportCore

/// Basket analysis: frequent itemsets by FP-growth (Han, Pei & Yin 2000)
/// and association rules with support, confidence and lift — "customers who
/// bought X also bought Y".
///
/// Items are numbers (a catalogue's dense ids); a basket's repeated items
/// count once.
public enum Basket {
    /// Dense numbers for names (item ids, order ids), in order of first sight.
    public struct Numbering: Sendable {
        /// The names by number.
        public private(set) var names: [String] = []
        private var numbers: [String: Int] = [:]

        public init() {}

        /// The name's number: a new name gets the next one.
        public mutating func number(_ name: String) -> Int {
            if let known = numbers[name] { return known }
            numbers[name] = names.count
            names.append(name)
            return names.count - 1
        }
    }

    public struct Itemset: Sendable, Equatable, Hashable {
        /// Ascending.
        public var items: [Int]
        /// Baskets holding every item.
        public var count: Int
    }

    public struct Rule: Sendable, Equatable {
        /// Ascending.
        public var antecedent: [Int]
        public var consequent: [Int]
        /// Baskets with antecedent and consequent.
        public var count: Int
        /// count / baskets.
        public var support: Double
        /// count / baskets with the antecedent.
        public var confidence: Double
        /// confidence / (share of baskets with the consequent).
        public var lift: Double
    }

    /// Every itemset of at most `maxLength` items in at least `minCount`
    /// baskets, by descending count (then ascending items).
    public static func frequentItemsets(_ baskets: [[Int]], minCount: Int, maxLength: Int = 4) -> [Itemset] {
        let minCount = max(1, minCount)
        guard maxLength >= 1 else { return [] }
        // Distinct items per basket; global counts; frequent items ranked by count (ties by id).
        var counts: [Int: Int] = [:]
        let sets = baskets.map { Array(Set($0)) }
        for b in sets { for i in b { counts[i, default: 0] += 1 } }
        let ranked = counts.filter { $0.value >= minCount }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        var rank: [Int: Int32] = [:]
        for (r, i) in ranked.enumerated() { rank[i] = Int32(r) }
        var tree = FPTree()
        for b in sets {
            let path = b.compactMap { rank[$0] }.sorted()
            if !path.isEmpty { tree.insert(path, count: 1) }
        }
        var out: [Itemset] = []
        mine(tree, suffix: [], minCount: minCount, maxLength: maxLength, into: &out)
        // Back from ranks to items.
        var result = out.map { s in
            Itemset(items: s.items.compactMap { ranked.indices.contains($0) ? ranked[$0] : nil }.sorted(), count: s.count)  // trap-ok: checked
        }
        result.sort { $0.count != $1.count ? $0.count > $1.count : $0.items.lexicographicallyPrecedes($1.items) }
        return result
    }

    /// Grows itemsets from a (conditional) tree: for each item, suffix + item, then its conditional tree.
    static func mine(_ tree: FPTree, suffix: [Int], minCount: Int, maxLength: Int, into out: inout [Itemset]) {
        // Least frequent first, as in the paper (any order finds the same sets).
        for item in tree.headers.keys.sorted(by: >) {
            guard let support = tree.support[item], support >= minCount else { continue }
            let itemset = suffix + [Int(item)]
            out.append(Itemset(items: itemset, count: support))
            guard itemset.count < maxLength else { continue }
            // The conditional pattern base: each path above a node of the item, with the node's count.
            var base: [([Int32], Int)] = []
            var node = tree.headers[item] ?? -1
            while node >= 0 {
                base.append((tree.path(above: Int(node)), tree.count[Int(node)]))  // trap-ok: nodes of the tree
                node = tree.link[Int(node)]  // trap-ok: same
            }
            var local: [Int32: Int] = [:]
            for (path, c) in base { for i in path { local[i, default: 0] += c } }
            var conditional = FPTree()
            for (path, c) in base {
                let kept = path.filter { (local[$0] ?? 0) >= minCount }
                if !kept.isEmpty { conditional.insert(kept, count: c) }
            }
            if !conditional.headers.isEmpty {
                mine(conditional, suffix: itemset, minCount: minCount, maxLength: maxLength, into: &out)
            }
        }
    }

    /// The rules of the itemsets (each split into antecedent → consequent,
    /// every way) with at least `minConfidence`, by descending lift, then confidence.
    public static func rules(_ itemsets: [Itemset], baskets: Int, minConfidence: Double, maxConsequent: Int = 1) -> [Rule] {
        guard baskets > 0 else { return [] }
        var countOf: [[Int]: Int] = [:]
        for s in itemsets { countOf[s.items] = s.count }
        let n = Double(baskets)
        var out: [Rule] = []
        for s in itemsets where s.items.count >= 2 && s.items.count <= 16 {
            let k = s.items.count
            for mask in 1..<((1 << k) - 1) {
                let consequent = (0..<k).filter { mask & (1 << $0) != 0 }.map { s.items[$0] }  // trap-ok: $0 < k
                guard consequent.count <= maxConsequent else { continue }
                let antecedent = (0..<k).filter { mask & (1 << $0) == 0 }.map { s.items[$0] }  // trap-ok: same
                guard let a = countOf[antecedent], let c = countOf[consequent], a > 0, c > 0 else { continue }
                let confidence = Double(s.count) / Double(a)
                guard confidence >= minConfidence else { continue }
                out.append(Rule(antecedent: antecedent, consequent: consequent, count: s.count, support: Double(s.count) / n,
                                confidence: confidence, lift: confidence / (Double(c) / n)))
            }
        }
        out.sort { ($0.lift, $0.confidence, $0.count) > ($1.lift, $1.confidence, $1.count) }
        return out
    }
}

/// An FP-tree: nodes in arrays (item rank, count, parent, first child, next
/// sibling, next node of the same item), a header per item.
struct FPTree {
    var item: [Int32] = [-1]
    var count: [Int] = [0]
    var parent: [Int32] = [-1]
    var firstChild: [Int32] = [-1]
    var sibling: [Int32] = [-1]
    var link: [Int32] = [-1]
    /// Per item: its first node, and its total count.
    var headers: [Int32: Int32] = [:]
    var support: [Int32: Int] = [:]

    /// Adds a path (items in rank order) `count` times.
    mutating func insert(_ path: [Int32], count c: Int) {
        var node = 0
        for i in path {
            var child = firstChild[node]  // trap-ok: node is a node of the tree
            while child >= 0, item[Int(child)] != i { child = sibling[Int(child)] }  // trap-ok: same
            if child < 0 {
                child = Int32(item.count)
                item.append(i)
                count.append(0)
                parent.append(Int32(node))
                firstChild.append(-1)
                sibling.append(firstChild[node])  // trap-ok: same
                firstChild[node] = child  // trap-ok: same
                link.append(headers[i] ?? -1)
                headers[i] = child
            }
            count[Int(child)] += c  // trap-ok: child is a node
            support[i, default: 0] += c
            node = Int(child)
        }
    }

    /// The items from a node's parent up to the root, in rank order.
    func path(above node: Int) -> [Int32] {
        var out: [Int32] = []
        var p = parent[node]  // trap-ok: callers pass nodes of the tree
        while p > 0 {
            out.append(item[Int(p)])  // trap-ok: parents are nodes
            p = parent[Int(p)]  // trap-ok: same
        }
        return out.reversed()
    }
}
