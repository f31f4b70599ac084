import RapportCore

/// How profile state is kept in the `profiles` table: aggregates and traits as
/// compact JSON text, so adding a field needs no migration.
enum ProfileCoding {
    static func encodeTraits(_ traits: [String: TraitValue]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(64 * traits.count + 2)
        var first = true
        for (k, t) in traits {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.writeString(k, to: &out)
            out.append(contentsOf: #":{"v":"#.utf8)
            t.value.write(to: &out)
            out.append(contentsOf: #","t":"#.utf8)
            out.append(contentsOf: String(t.setAt).utf8)
            out.append(contentsOf: #","s":"#.utf8)
            out.append(contentsOf: String(t.seq).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
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

    /// Written by hand: this runs for every changed profile at every flush.
    static func encodeAggregates(_ a: ProfileAggregates) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(160 + 24 * a.eventCounts.count)
        func field(_ name: String, _ value: String) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
            out.append(contentsOf: value.utf8)
        }
        func number(_ d: Double) -> String {
            var bytes: [UInt8] = []
            JSONValue.writeNumber(d, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        field("events", String(a.eventCount))
        field("orders", String(a.orders))
        field("revenue", number(a.revenue))
        field("refunds", String(a.refunds))
        field("refunded", number(a.refundedAmount))
        if a.eventCount > 0 {
            field("first", String(a.firstSeen))
            field("last", String(a.lastSeen))
        }
        if let f = a.firstOrderAt { field("firstOrder", String(f)) }
        if let l = a.lastOrderAt { field("lastOrder", String(l)) }
        var counts: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (k, v) in a.eventCounts {
            if !first { counts.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.writeString(k, to: &counts)
            counts.append(UInt8(ascii: ":"))
            counts.append(contentsOf: String(v).utf8)
        }
        counts.append(UInt8(ascii: "}"))
        field("counts", String(decoding: counts, as: UTF8.self))
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
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
