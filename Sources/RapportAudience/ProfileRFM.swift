import RapportCore

/// Which events are purchases and which property is their amount, for the
/// RFM of a workspace's profiles.
public struct RFMModel: Sendable, Hashable, Codable {
    public var purchaseEvent: String
    /// A path under the event's properties (`revenue`, `order.total`).
    public var amountProperty: String

    public init(purchaseEvent: String = "Order Completed", amountProperty: String = "revenue") {
        self.purchaseEvent = purchaseEvent
        self.amountProperty = amountProperty
    }

    /// The name of the one stored RFM definition of a workspace.
    public static let recordName = "model"

    enum CodingKeys: String, CodingKey {
        case purchaseEvent = "purchase_event", amountProperty = "amount_property"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RFMModel()
        purchaseEvent = try c.decodeIfPresent(String.self, forKey: .purchaseEvent) ?? d.purchaseEvent
        amountProperty = try c.decodeIfPresent(String.self, forKey: .amountProperty) ?? d.amountProperty
    }

    /// What is wrong with the model, if anything.
    public var problem: String? {
        if purchaseEvent.isEmpty || purchaseEvent.utf8.count > 200 { return "purchase_event is 1 to 200 bytes" }
        if amountPath.isEmpty || amountProperty.utf8.count > 200 || amountPath.contains(where: \.isEmpty) {
            return "amount_property is a property path such as revenue or order.total"
        }
        return nil
    }

    /// The amount's path under `properties`.
    public var amountPath: [String] {
        var p = amountProperty.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if p.first == "properties" { p.removeFirst() }
        return p
    }

    /// The path the index keeps for the amount.
    public var eventPath: EventPath { .properties(amountPath) }
}

/// One profile's RFM: its figures as of a day, its scores 1–5 and group.
public struct ProfileRFM: Sendable, Hashable {
    public var recencyDays: Int
    public var frequency: Int
    public var monetary: Double
    public var r: Int
    public var f: Int
    public var m: Int
    public var group: RFM.Group

    public init(recencyDays: Int, frequency: Int, monetary: Double, r: Int, f: Int, m: Int, group: RFM.Group) {
        self.recencyDays = recencyDays
        self.frequency = frequency
        self.monetary = monetary
        self.r = r
        self.f = f
        self.m = m
        self.group = group
    }

    /// `"545"`.
    public var score: String { "\(r)\(f)\(m)" }

    /// As conditions read it (`rfm.r`, `rfm.group`, …).
    public var json: JSONValue {
        .object([
            "r": .number(Double(r)), "f": .number(Double(f)), "m": .number(Double(m)), "score": .string(score),
            "group": .string(group.rawValue), "recency_days": .number(Double(recencyDays)),
            "frequency": .number(Double(frequency)), "monetary": .number(monetary),
        ])
    }
}

extension Audience {
    /// The purchases in the index, on the live profiles that own them (a
    /// merged profile's count for the profile it joined): customer = profile
    /// id, day = UTC day of the event, amount in cents (not a number: 0).
    public func purchases(_ model: RFMModel) -> RFM.Purchases {
        var out = RFM.Purchases()
        guard let nameId = index.names.existing(model.purchaseEvent) else { return out }
        let table = index.tables[Int(nameId)]  // trap-ok: a name id indexes tables
        let path = index.pathId(model.eventPath)
        let values = path.map { index.values[$0] }  // trap-ok: a path id indexes values
        var centsOf: [UInt32: Int64] = [:]
        out.reserveCapacity(table.count)
        for k in 0..<table.count {
            let owner = self.table.owner(table.slots[k])  // trap-ok: k < count
            guard owner != ProfileTable.none, Int(owner) < self.table.ids.count else { continue }
            var cents: Int64 = 0
            if let path, let values {
                let id = table.value(k, path: path)
                if id != 0 {
                    if let known = centsOf[id] {
                        cents = known
                    } else {
                        let v = Int(id) - 1 < values.items.count ? values.items[Int(id) - 1] : .null  // trap-ok: checked
                        let x = ConditionEvaluator.number(v).map { ($0 * 100).rounded() } ?? 0
                        cents = x.isFinite && abs(x) < 9e18 ? Int64(x) : 0
                        centsOf[id] = cents
                    }
                }
            }
            let t = table.times[k]  // trap-ok: k < count
            let (q, r) = t.quotientAndRemainder(dividingBy: 86_400_000)
            out.append(customer: self.table.ids[Int(owner)].rawValue, day: Int(r < 0 ? q - 1 : q), cents: cents)  // trap-ok: checked
        }
        return out
    }

    /// Every live profile with a purchase: its RFM as of the UTC day holding `now`.
    public func rfm(_ model: RFMModel, now: Int64) -> [ProfileID: ProfileRFM] {
        let (q, r) = now.quotientAndRemainder(dividingBy: 86_400_000)
        let table = RFM.compute(purchases(model), asOfDay: Int(r < 0 ? q - 1 : q))
        var out: [ProfileID: ProfileRFM] = [:]
        out.reserveCapacity(table.count)
        for i in 0..<table.count {
            let row = table.row(at: i)
            out[ProfileID(row.customer)] = ProfileRFM(
                recencyDays: row.recencyDays, frequency: row.frequency, monetary: Double(row.monetaryCents) / 100,
                r: row.r, f: row.f, m: row.m, group: row.group)
        }
        return out
    }
}
