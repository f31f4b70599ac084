/// Checks the references between segment definitions: every segment a
/// condition names must exist, and none may depend on itself.
public enum SegmentReferences {
    /// Longest chain of segments referring to segments.
    public static let maxChain = 256

    /// The segments in an order in which each comes after every segment it
    /// refers to (so they can be evaluated in that order).
    ///
    /// - Throws: ``ConditionError`` `unknown_segment` naming the missing one,
    ///   or `segment_cycle` with the cycle (`a → b → a`).
    public static func evaluationOrder(_ definitions: [String: Condition]) throws(ConditionError) -> [String] {
        var order: [String] = []
        var state: [String: Bool] = [:]  // false: on the current path; true: done
        var path: [String] = []
        func visit(_ name: String) throws(ConditionError) {
            if state[name] == true { return }
            if state[name] == false {
                let start = path.lastIndex(of: name) ?? path.startIndex
                let cycle = path[start...] + [name]
                throw ConditionError(.cycle, "segment \"\(name)\" depends on itself: "
                    + cycle.map { "\"\($0)\"" }.joined(separator: " → "))
            }
            guard path.count < maxChain else {
                throw ConditionError(.tooComplex, "segments refer to each other more than \(maxChain) deep (from \"\(path.first ?? name)\")")
            }
            guard let c = definitions[name] else {
                let from = path.last.map { " (referred to by \"\($0)\")" } ?? ""
                throw ConditionError(.unknownSegment, "there is no segment \"\(name)\"\(from)")
            }
            state[name] = false
            path.append(name)
            for ref in c.segmentsReferred.sorted() { try visit(ref) }
            path.removeLast()
            state[name] = true
            order.append(name)
        }
        for name in definitions.keys.sorted() { try visit(name) }
        return order
    }
}
