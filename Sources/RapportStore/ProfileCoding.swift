import RapportCore

/// How profile state is kept in the `profiles` table: aggregates and traits as
/// compact JSON text, so adding a field needs no migration.
enum ProfileCoding {
    static func encodeTraits(_ traits: [String: TraitValue]) -> String {
        var members: [String: JSONValue] = [:]
        for (k, t) in traits {
            members[k] = .object(["v": t.value, "t": .number(Double(t.setAt)), "s": .number(Double(t.seq))])
        }
        return JSONValue.object(members).jsonString
    }

    static func decodeTraits(_ text: String?) -> [String: TraitValue] {
        guard let text, let parsed = try? JSONValue.parse(text), let members = parsed.objectValue else { return [:] }
        var out: [String: TraitValue] = [:]
        for (k, v) in members {
            guard let value = v["v"] else { continue }
            let t = v["t"]?.doubleValue ?? 0
            let s = v["s"]?.doubleValue ?? 0
            out[k] = TraitValue(value: value, setAt: Int64(exactly: t.rounded()) ?? 0, seq: Int64(exactly: s.rounded()) ?? 0)
        }
        return out
    }

    static func encodeAggregates(_ a: ProfileAggregates) -> String {
        var m: [String: JSONValue] = [
            "events": .number(Double(a.eventCount)),
            "orders": .number(Double(a.orders)),
            "revenue": .number(a.revenue),
            "refunds": .number(Double(a.refunds)),
            "refunded": .number(a.refundedAmount),
            "counts": .object(a.eventCounts.mapValues { .number(Double($0)) }),
        ]
        if a.eventCount > 0 {
            m["first"] = .number(Double(a.firstSeen))
            m["last"] = .number(Double(a.lastSeen))
        }
        if let f = a.firstOrderAt { m["firstOrder"] = .number(Double(f)) }
        if let l = a.lastOrderAt { m["lastOrder"] = .number(Double(l)) }
        return JSONValue.object(m).jsonString
    }

    static func decodeAggregates(_ text: String?) -> ProfileAggregates {
        var a = ProfileAggregates()
        guard let text, let parsed = try? JSONValue.parse(text) else { return a }
        func int(_ key: String) -> Int? { parsed[key]?.doubleValue.flatMap { Int(exactly: $0.rounded()) } }
        func int64(_ key: String) -> Int64? { parsed[key]?.doubleValue.flatMap { Int64(exactly: $0.rounded()) } }
        a.eventCount = int("events") ?? 0
        a.orders = int("orders") ?? 0
        a.revenue = parsed["revenue"]?.doubleValue ?? 0
        a.refunds = int("refunds") ?? 0
        a.refundedAmount = parsed["refunded"]?.doubleValue ?? 0
        if let f = int64("first") { a.firstSeen = f }
        if let l = int64("last") { a.lastSeen = l }
        a.firstOrderAt = int64("firstOrder")
        a.lastOrderAt = int64("lastOrder")
        for (k, v) in parsed["counts"]?.objectValue ?? [:] {
            if let n = v.doubleValue.flatMap({ Int(exactly: $0.rounded()) }) { a.eventCounts[k] = n }
        }
        return a
    }
}
