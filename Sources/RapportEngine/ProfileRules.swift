import RapportCore

/// Which events count as orders and refunds, and where their amount is.
public struct ProfileRules: Sendable, Hashable, Codable {
    public var orderEvents: Set<String>
    public var refundEvents: Set<String>
    /// Property names tried in order for an order's amount.
    public var amountProperties: [String]

    public init(
        orderEvents: Set<String> = ["Order Completed"],
        refundEvents: Set<String> = ["Order Refunded"],
        amountProperties: [String] = ["revenue", "total", "value", "amount"]
    ) {
        self.orderEvents = orderEvents
        self.refundEvents = refundEvents
        self.amountProperties = amountProperties
    }

    /// The amount of an order or refund: the first numeric amount property,
    /// else the sum of `products[].price × quantity`, else 0.
    public func amount(of properties: JSONValue) -> Double {
        for key in amountProperties {
            if let v = properties[key]?.numericValue { return v }
        }
        var sum = 0.0
        for p in properties["products"]?.arrayValue ?? [] {
            let price = p["price"]?.numericValue ?? 0
            let qty = p["quantity"]?.numericValue ?? 1
            let line = price * qty
            if line.isFinite { sum += line }
        }
        return sum
    }
}
