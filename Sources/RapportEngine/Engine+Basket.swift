import RapportAudience
import RapportCore
import RapportInsights
import RapportStore

/// Basket analysis of a workspace's orders, as the API and the CLI ask for it.
public struct BasketSpec: Sendable, Equatable {
    /// The purchase event; the workspace's RFM model's (else `Order Completed`) when `nil`.
    public var purchaseEvent: String?
    /// The member of each element of the order's `products` that names the item.
    public var itemKey = "product_id"
    /// Orders from `from` up to, not including, `to` (milliseconds); all when `nil`.
    public var from: Int64?
    public var to: Int64?
    /// The least share of orders an itemset is in.
    public var minSupport = 0.01
    public var minConfidence = 0.1
    public var maxLength = 3
    /// The most itemsets and rules returned (the strongest first).
    public var limit = 100

    public init() {}

    var problem: String? {
        if !(minSupport > 0 && minSupport <= 1) { return "min_support is above 0, at most 1" }
        if !(0...1).contains(minConfidence) { return "min_confidence is from 0 to 1" }
        if !(2...6).contains(maxLength) { return "max_length is from 2 to 6" }
        if !(1...10_000).contains(limit) { return "limit is from 1 to 10000" }
        if itemKey.isEmpty || itemKey.utf8.count > 200 { return "item_key is a member name (1 to 200 bytes)" }
        if let from, let to, from >= to { return "from is before to" }
        return nil
    }
}

/// What was bought together in a workspace's orders.
public struct BasketReport: Sendable {
    /// Orders with at least one item.
    public var orders: Int
    /// Item ids by number; their names (the `name` of the products) when the orders gave one.
    public var items: [String]
    public var names: [String: String]
    /// The itemsets of two or more items, by descending count.
    public var itemsets: [Basket.Itemset]
    /// By descending lift (then confidence, count).
    public var rules: [Basket.Rule]
    /// The least count an itemset needed.
    public var minCount: Int

    public func id(_ item: Int) -> String { items.indices.contains(item) ? items[item] : String(item) }  // trap-ok: checked
}

extension Engine {
    /// The orders of a workspace as baskets of item numbers: one per purchase event with items, read from the
    /// log (the index does not keep line items). An item twice in an order counts once.
    public func baskets(workspaceId ws: WorkspaceID, purchaseEvent: String, itemKey: String, from: Int64?, to: Int64?)
        async throws -> (baskets: [[Int]], items: [String], names: [String: String])
    {
        var baskets: [[Int]] = [], names: [String: String] = [:]
        var items = Basket.Numbering()
        let last = try await store.lastSeq()
        var position: Int64 = 0
        reading: while position < last {
            let events = try await store.events(after: position, limit: 5_000)
            if events.isEmpty { break }
            for e in events {
                position = e.seq
                if e.seq > last { break reading }
                guard e.workspaceId == ws, e.name == purchaseEvent, e.sourceId != RapportSource.id,
                      from.map({ e.timestamp >= $0 }) ?? true, to.map({ e.timestamp < $0 }) ?? true else { continue }
                let (properties, _) = e.body.withUnsafeBufferPointer { EventBody.propertiesAndContext($0) }
                guard case .array(let lines)? = properties?["products"] else { continue }
                var basket: [Int] = []
                for line in lines {
                    let id: String
                    switch line[itemKey] {
                    case .string(let s)? where !s.isEmpty: id = s
                    case .number(let x)?: id = String(decoding: JSONValue.number(x).serialized(), as: UTF8.self)
                    default: continue
                    }
                    let k = items.number(id)
                    if names[id] == nil, case .string(let name)? = line["name"], !name.isEmpty { names[id] = name }
                    if !basket.contains(k) { basket.append(k) }
                }
                if !basket.isEmpty { baskets.append(basket) }
            }
        }
        return (baskets, items.names, names)
    }

    /// Frequent itemsets and association rules of a workspace's orders.
    public func basketReport(workspaceId ws: WorkspaceID, _ spec: BasketSpec) async throws -> BasketReport {
        if let problem = spec.problem { throw RapportError(.invalidArgument, problem) }
        let model = await projector.rfmModel(workspaceId: ws) ?? RFMModel()
        let event = spec.purchaseEvent ?? model.purchaseEvent
        let (baskets, items, names) = try await self.baskets(workspaceId: ws, purchaseEvent: event, itemKey: spec.itemKey,
                                                             from: spec.from, to: spec.to)
        let minCount = max(1, Int((spec.minSupport * Double(baskets.count)).rounded(.up)))
        let itemsets = Basket.frequentItemsets(baskets, minCount: minCount, maxLength: spec.maxLength)
        let rules = Basket.rules(itemsets, baskets: baskets.count, minConfidence: spec.minConfidence)
        return BasketReport(orders: baskets.count, items: items, names: names,
                            itemsets: Array(itemsets.filter { $0.items.count >= 2 }.prefix(spec.limit)),
                            rules: Array(rules.prefix(spec.limit)), minCount: minCount)
    }
}
