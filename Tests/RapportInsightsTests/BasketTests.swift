import Testing

@testable import RapportAudience

@testable import RapportInsights

@Suite struct BasketTests {
    /// Random baskets with some items bought together more often.
    func baskets(seed: UInt64, count: Int, items: Int) -> [[Int]] {
        var r = SplitMix(seed: seed)
        return (0..<count).map { _ in
            var b: [Int] = []
            for _ in 0..<Int(1 + r.next() % 5) { b.append(Int(r.next() % UInt64(items))) }
            // Pairs that go together: 3 with 4, and 7 with 8 and 9.
            if b.contains(3), r.unit() < 0.7 { b.append(4) }
            if b.contains(7), r.unit() < 0.6 { b += [8, 9] }
            if r.unit() < 0.05 { b.append(b.first ?? 0) }  // a repeated line
            return b
        }
    }

    /// Every itemset of up to `maxLength` items with its count, by enumeration.
    func bruteForce(_ baskets: [[Int]], minCount: Int, maxLength: Int) -> [Basket.Itemset] {
        let sets = baskets.map(Set.init)
        let items = Array(Set(baskets.joined())).sorted()
        var out: [Basket.Itemset] = []
        func grow(_ prefix: [Int], from start: Int) {
            for k in start..<items.count {
                let candidate = prefix + [items[k]]
                let c = sets.filter { s in candidate.allSatisfy(s.contains) }.count
                guard c >= minCount else { continue }
                out.append(Basket.Itemset(items: candidate, count: c))
                if candidate.count < maxLength { grow(candidate, from: k + 1) }
            }
        }
        grow([], from: 0)
        return out
    }

    @Test(arguments: [(1, 3), (2, 12), (3, 25)])
    func frequentItemsetsEqualEnumeration(seed: UInt64, minCount: Int) {
        let b = baskets(seed: seed, count: 600, items: 14)
        let got = Basket.frequentItemsets(b, minCount: minCount, maxLength: 4)
        let want = bruteForce(b, minCount: minCount, maxLength: 4)
        #expect(Set(got) == Set(want))
        #expect(got.count == want.count)
        #expect(zip(got, got.dropFirst()).allSatisfy { $0.count >= $1.count })
        #expect(got.contains { $0.items.count >= 3 })
    }

    @Test func rulesHaveTheirDefinitions() throws {
        let b = baskets(seed: 9, count: 2_000, items: 20)
        let sets = b.map(Set.init)
        let itemsets = Basket.frequentItemsets(b, minCount: 20, maxLength: 3)
        let rules = Basket.rules(itemsets, baskets: b.count, minConfidence: 0.3, maxConsequent: 2)
        #expect(!rules.isEmpty)
        func share(_ items: [Int]) -> Double { Double(sets.filter { s in items.allSatisfy(s.contains) }.count) / Double(b.count) }
        for r in rules {
            let both = share(r.antecedent + r.consequent)
            #expect(abs(r.support - both) < 1e-12)
            #expect(abs(r.confidence - both / share(r.antecedent)) < 1e-12)
            #expect(abs(r.lift - r.confidence / share(r.consequent)) < 1e-12)
            #expect(r.confidence >= 0.3)
            #expect(Set(r.antecedent).isDisjoint(with: r.consequent))
        }
        // The planted pairs lead: 3 → 4 and 8 → 9 (or the reverse) have lifts well above 1.
        let top = try #require(rules.first)
        #expect(top.lift > 2)
        #expect(rules.contains { $0.antecedent == [3] && $0.consequent == [4] && $0.lift > 2 })
        #expect(rules.contains { $0.antecedent == [8] && $0.consequent == [9] && $0.lift > 1.3 })
        // Items bought at random together are near independent.
        let unrelated = Basket.rules(itemsets, baskets: b.count, minConfidence: 0)
            .filter { $0.antecedent.count == 1 && ![3, 4, 7, 8, 9].contains($0.antecedent[0]) && ![3, 4, 7, 8, 9].contains($0.consequent[0]) }
        #expect(!unrelated.isEmpty && unrelated.allSatisfy { $0.lift < 1.3 })
    }

    @Test func emptyAndTinyInputs() {
        #expect(Basket.frequentItemsets([], minCount: 1).isEmpty)
        #expect(Basket.frequentItemsets([[1, 2]], minCount: 2).isEmpty)
        #expect(Basket.frequentItemsets([[1, 1, 2]], minCount: 1).map(\.items).sorted { $0.lexicographicallyPrecedes($1) }
                    == [[1], [1, 2], [2]])
        #expect(Basket.rules([], baskets: 0, minConfidence: 0.1).isEmpty)
    }
}
