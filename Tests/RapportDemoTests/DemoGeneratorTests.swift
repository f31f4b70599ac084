import RapportCore
import Testing

@testable import RapportDemo

/// Runs a generator and keeps every message.
private func collect(_ config: DemoConfig) -> [DemoMessage] {
    var all: [DemoMessage] = []
    DemoGenerator(config: config).generate { all.append($0) }
    return all
}

/// FNV-1a over the whole stream: sources, timestamps and JSON bytes.
private func streamHash(_ config: DemoConfig) -> (hash: UInt64, count: Int) {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    var count = 0
    func eat(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    DemoGenerator(config: config).generate { m in
        count += 1
        for b in m.source.utf8 { eat(b) }
        var t = m.timestamp
        for _ in 0..<8 { eat(UInt8(truncatingIfNeeded: t)); t >>= 8 }
        for b in m.json { eat(b) }
        eat(0x0A)
    }
    return (h, count)
}

private let end: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

@Suite("Demo generator")
struct DemoGeneratorTests {
    @Test("the same seed gives the same bytes")
    func deterministic() {
        let config = DemoConfig(customers: 200, days: 180, seed: 7, endMillis: end)
        let a = streamHash(config)
        let b = streamHash(config)
        #expect(a.count > 0)
        #expect(a.hash == b.hash)
        #expect(a.count == b.count)
    }

    @Test("a different seed gives different data")
    func seedMatters() {
        let a = streamHash(DemoConfig(customers: 200, days: 180, seed: 7, endMillis: end))
        let b = streamHash(DemoConfig(customers: 200, days: 180, seed: 8, endMillis: end))
        #expect(a.hash != b.hash)
    }

    @Test("every message is a valid, ordered Segment message")
    func messagesAreValid() throws {
        let config = DemoConfig(customers: 300, days: 180, seed: 3, endMillis: end)
        let messages = collect(config)
        let start = end - 180 * 86_400_000
        var ids = Set<String>()
        var previous = Int64.min
        var sources = Set<String>()
        for m in messages {
            let value = try JSONValue.parse(m.json)
            let type = try #require(value["type"]?.stringValue)
            #expect(["identify", "track", "page", "screen"].contains(type))
            let id = try #require(value["messageId"]?.stringValue)
            #expect(ids.insert(id).inserted, "duplicate messageId \(id)")
            let text = try #require(value["timestamp"]?.stringValue)
            #expect(Timestamp.parseISO8601(text) == m.timestamp, "timestamp \(text)")
            #expect(m.timestamp >= previous)
            #expect(m.timestamp < end && m.timestamp >= start)
            previous = m.timestamp
            #expect(value["userId"]?.stringValue != nil || value["anonymousId"]?.stringValue != nil)
            #expect(value["sentAt"] == nil)
            #expect(value["context"]?.objectValue != nil)
            switch type {
            case "track":
                #expect(value["event"]?.stringValue?.isEmpty == false)
                #expect(value["properties"]?.objectValue != nil)
            case "identify":
                #expect(value["traits"]?.objectValue != nil)
            default:
                #expect(value["name"]?.stringValue != nil)
            }
            #expect(DemoGenerator.sources.contains(m.source))
            sources.insert(m.source)
        }
        #expect(sources == Set(DemoGenerator.sources))
    }

    @Test("orders add up and carry the e-commerce spec fields")
    func ordersAreConsistent() throws {
        var orders = 0
        var coupons = 0
        var refunds = 0
        var orderIds = Set<String>()
        for m in collect(DemoConfig(customers: 300, days: 180, seed: 5, endMillis: end)) {
            guard m.json.count > 40 else { continue }
            let value = try JSONValue.parse(m.json)
            switch value["event"]?.stringValue {
            case "Order Completed":
                orders += 1
                let p = try #require(value["properties"])
                let id = try #require(p["order_id"]?.stringValue)
                #expect(orderIds.insert(id).inserted)
                #expect(p["currency"]?.stringValue == "CNY")
                let products = try #require(p["products"]?.arrayValue)
                #expect(!products.isEmpty)
                var subtotal = 0.0
                for item in products {
                    #expect(item["product_id"]?.stringValue != nil)
                    #expect(item["category"]?.stringValue != nil)
                    subtotal += (item["price"]?.doubleValue ?? 0) * (item["quantity"]?.doubleValue ?? 0)
                }
                let revenue = try #require(p["revenue"]?.numericValue)
                let discount = p["discount"]?.doubleValue ?? 0
                #expect(abs((p["subtotal"]?.doubleValue ?? -1) - subtotal) < 0.01)
                #expect(abs(revenue - (subtotal - discount)) < 0.01)
                #expect(abs((p["total"]?.doubleValue ?? -1) - revenue - (p["shipping"]?.doubleValue ?? 0)) < 0.01)
                if p["coupon"] != nil { coupons += 1 }
            case "Order Refunded":
                refunds += 1
                let id = try #require(value["properties"]?["order_id"]?.stringValue)
                #expect(orderIds.contains(id), "refund of unknown order \(id)")
            default: break
            }
        }
        #expect(orders > 300)
        #expect(coupons > 0 && coupons < orders)
        #expect(refunds > 0)
    }

    @Test("every lifecycle pattern appears and matches the messages")
    func lifecycles() throws {
        let config = DemoConfig(customers: 1000, days: 180, seed: 11, endMillis: end)
        let generator = DemoGenerator(config: config)
        let day: Int64 = 86_400_000
        var identified = [Bool](repeating: false, count: 1000)
        var orders = [[Int64]](repeating: [], count: 1000)
        var lastActivity = [Int64](repeating: .min, count: 1000)
        var count = 0
        generator.generate { m in
            count += 1
            let text = String(decoding: m.json, as: UTF8.self)
            if text.hasPrefix("{\"type\":\"identify\"") || (text.contains("\"userId\":\"") && !text.contains("\"userId\":\"null\"")) {
                identified[m.customer] = true
            }
            if text.contains("\"event\":\"Order Completed\"") { orders[m.customer].append(m.timestamp) }
            if m.source != "crm" { lastActivity[m.customer] = max(lastActivity[m.customer], m.timestamp) }
        }
        let average = Double(count) / 1000
        #expect(average > 35 && average < 70, "average \(average) messages per customer")

        func derive(_ c: Int) -> DemoLifecycle? {
            let o = orders[c]
            if o.isEmpty { return identified[c] ? .potential : .anonymous }
            let gaps = zip(o, o.dropFirst()).map { $1 - $0 }
            let lastOrder = o.last ?? 0
            if lastOrder >= end - 30 * day && gaps.contains(where: { $0 >= 90 * day }) { return .wonBack }
            if (o.first ?? 0) >= end - 14 * day { return .new }
            if lastActivity[c] < end - 90 * day { return .churned }
            if lastActivity[c] < end - 30 * day { return .atRisk }
            if lastOrder >= end - 30 * day && o.count >= 5 { return .loyal }
            if lastOrder >= end - 30 * day && o.count >= 2 { return .active }
            return nil
        }
        var counts: [DemoLifecycle: Int] = [:]
        var agree = 0
        for c in 0..<1000 {
            let derived = derive(c)
            if let derived { counts[derived, default: 0] += 1 }
            if derived == generator.lifecycle(ofCustomer: c) { agree += 1 }
        }
        for stage in DemoLifecycle.allCases {
            #expect(counts[stage, default: 0] >= 30, "\(stage): \(counts[stage, default: 0]) customers")
        }
        #expect(agree >= 950, "only \(agree) of 1000 customers match their planned lifecycle")
        #expect(generator.lifecycle(ofCustomer: 1000) == nil)
    }

    @Test("identifiers never collide between people, and people do span channels")
    func identities() throws {
        var owner: [String: Int] = [:]
        var collisions: [String] = []
        var sourcesOf: [Int: Set<String>] = [:]
        var junkUser = 0
        var junkPhone = 0
        func claim(_ key: String, _ c: Int) {
            if let o = owner[key], o != c { collisions.append(key) } else { owner[key] = c }
        }
        func digits(_ s: String) -> String {
            let d = String(s.filter(\.isNumber))
            return d.hasPrefix("86") && d.count == 13 ? String(d.dropFirst(2)) : d
        }
        for m in collect(DemoConfig(customers: 400, days: 180, seed: 21, endMillis: end)) {
            let v = try JSONValue.parse(m.json)
            sourcesOf[m.customer, default: []].insert(m.source)
            if let u = v["userId"]?.stringValue {
                if u == "null" { junkUser += 1 } else { claim("u:" + u, m.customer) }
            }
            if let a = v["anonymousId"]?.stringValue { claim("a:" + a, m.customer) }
            let traits = v["traits"]
            if let e = traits?["email"]?.stringValue, !e.isEmpty {
                claim("e:" + e.trimmingASCIIWhitespace().lowercased(), m.customer)
            }
            if let p = traits?["phone"]?.stringValue {
                if p == "0" { junkPhone += 1 } else { claim("p:" + digits(p), m.customer) }
            }
            if let w = traits?["wechat_unionid"]?.stringValue { claim("w:" + w, m.customer) }
        }
        #expect(collisions.isEmpty, "shared identifiers: \(collisions.prefix(5))")
        let multi = sourcesOf.values.filter { $0.count >= 2 }.count
        #expect(multi >= 60, "\(multi) of \(sourcesOf.count) people use several channels")
        #expect(junkUser > 0)
        #expect(junkPhone > 0)
    }

    @Test("activity scales the volume; odd configurations are clamped, not trapped")
    func configuration() {
        let quiet = streamHash(DemoConfig(customers: 200, seed: 2, endMillis: end, activity: 0.5)).count
        let busy = streamHash(DemoConfig(customers: 200, seed: 2, endMillis: end, activity: 2)).count
        #expect(busy > quiet)
        #expect(collect(DemoConfig(customers: 0, seed: 1)).isEmpty)
        #expect(collect(DemoConfig(customers: -5, seed: 1)).isEmpty)
        let short = collect(DemoConfig(customers: 100, days: 1, seed: 1, endMillis: end, activity: .nan))
        #expect(!short.isEmpty)
        #expect(short.allSatisfy { $0.timestamp < end && $0.timestamp >= end - 86_400_000 })
        let early = collect(DemoConfig(customers: 20, days: 30, seed: 1, endMillis: 0))
        #expect(early.allSatisfy { $0.timestamp >= 0 })
    }

    @Test("the catalogue has about 200 priced products in seven categories")
    func catalogue() {
        let products = DemoGenerator(config: DemoConfig(customers: 1)).catalogue
        #expect(products.count >= 150 && products.count <= 260)
        #expect(Set(products.map(\.id)).count == products.count)
        #expect(Set(products.map(\.sku)).count == products.count)
        #expect(Set(products.map(\.category)) == ["服饰", "数码", "美妆", "食品", "家居", "图书", "母婴"])
        #expect(products.allSatisfy { $0.priceCents > 0 && !$0.name.isEmpty && !$0.englishName.isEmpty })
        #expect(DemoGenerator(config: DemoConfig(customers: 1, seed: 99)).catalogue == products)
    }

    @Test("the byte builder writes numbers, times and escapes correctly")
    func bytes() throws {
        var b = JSONBytes(capacity: 64)
        b.iso(0)
        b.byte(0x20)
        b.iso(1_750_249_496_789)
        b.byte(0x20)
        b.isoLocal(1_750_249_496_789, offsetMinutes: 480)
        b.byte(0x20)
        b.cents(12_990); b.byte(0x20); b.cents(19_900); b.byte(0x20); b.cents(5); b.byte(0x20); b.centsFixed(19_900)
        b.byte(0x20)
        b.uint(0); b.byte(0x20); b.uint(UInt64.max); b.byte(0x20); b.int(-42)
        #expect(String(decoding: b.bytes, as: UTF8.self)
            == "1970-01-01T00:00:00.000Z 2025-06-18T12:24:56.789Z 2025-06-18T20:24:56.789+08:00 129.9 199 0.05 199.00 0 18446744073709551615 -42")
        var e = JSONBytes(capacity: 16)
        e.escaped(Array("a\"b\\c\nd\u{1}".utf8))
        #expect(try JSONValue.parse(e.bytes) == .string("a\"b\\c\nd\u{1}"))
        var u = JSONBytes(capacity: 40)
        u.uuid(0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210)
        #expect(String(decoding: u.bytes, as: UTF8.self) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(Timestamp.parseISO8601("2025-06-18T20:24:56.789+08:00") == 1_750_249_496_789)
    }
}
