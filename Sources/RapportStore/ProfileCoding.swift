import RapportCore

/// How profile state is kept in the `profiles` table: aggregates and traits as
/// compact JSON text, so adding a field needs no migration.
package enum ProfileCoding {
    /// Writes the traits' JSON into `out` (replacing its contents).
    package static func encodeTraits(_ traits: [String: TraitValue], into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.append(UInt8(ascii: "{"))
        var first = true
        for (k, t) in traits {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.writeString(k, to: &out)
            out.append(contentsOf: #":{"v":"#.utf8)
            t.value.write(to: &out)
            out.append(contentsOf: #","t":"#.utf8)
            writeInteger(t.setAt, to: &out)
            out.append(contentsOf: #","s":"#.utf8)
            writeInteger(t.seq, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes an integer's decimal digits, without making a string.
    static func writeInteger<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0, count < buffer.count {
                buffer[count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)  // trap-ok: count < buffer.count
                magnitude /= 10
                count += 1
            }
            while count > 0 {
                count -= 1
                out.append(buffer[count])  // trap-ok: 0 <= count < buffer.count
            }
        }
    }

    package static func decodeTraits(_ text: String?) -> [String: TraitValue] {
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

    /// Writes the aggregates' JSON into `out` (replacing its contents). Written
    /// by hand: this runs for every changed profile at every flush.
    package static func encodeAggregates(_ a: ProfileAggregates, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        func key(_ name: StaticString) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        key("events")
        writeInteger(a.eventCount, to: &out)
        key("orders")
        writeInteger(a.orders, to: &out)
        key("revenue")
        JSONValue.writeNumber(a.revenue, to: &out)
        key("refunds")
        writeInteger(a.refunds, to: &out)
        key("refunded")
        JSONValue.writeNumber(a.refundedAmount, to: &out)
        if a.eventCount > 0 {
            key("first")
            writeInteger(a.firstSeen, to: &out)
            key("last")
            writeInteger(a.lastSeen, to: &out)
        }
        if let f = a.firstOrderAt {
            key("firstOrder")
            writeInteger(f, to: &out)
        }
        if let l = a.lastOrderAt {
            key("lastOrder")
            writeInteger(l, to: &out)
        }
        key("counts")
        out.append(UInt8(ascii: "{"))
        var first = true
        for (k, v) in a.eventCounts {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONValue.writeString(k, to: &out)
            out.append(UInt8(ascii: ":"))
            writeInteger(v, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        if !a.tags.isEmpty {
            key("tags")
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in a.tags.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                writeInteger(v, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    package static func decodeAggregates(_ text: String?) -> ProfileAggregates {
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
        for (k, v) in parsed["tags"]?.objectValue ?? [:] {
            if let t = v.doubleValue.flatMap({ Int64(exactly: $0.rounded()) }) { a.tags[k] = t }
        }
        return a
    }
}
