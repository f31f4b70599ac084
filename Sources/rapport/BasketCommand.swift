import ArgumentParser
import Foundation
import RapportCore
import RapportIngest
import RapportInsights

/// `rapport basket`: association rules of order lines in a CSV file, without a data directory.
struct BasketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "basket",
        abstract: "Items bought together: frequent itemsets (FP-growth) and association rules of a CSV of order lines.",
        discussion: """
            The CSV has a header line and one order line per row: the order and the item (columns order and \
            item unless --map names others). An item twice in an order counts once. Prints one CSV line per rule \
            "customers who bought A also bought B": the antecedent items (joined by " + "), the consequent, the \
            orders with both, support (their share of all orders), confidence (their share of the orders with \
            the antecedent) and lift (confidence over the consequent's share), by descending lift.
            """)

    @Option(help: "The order lines file (CSV with a header).") var lines: String
    @Option(help: "Column mapping order=Header,item=Header.") var map: String?
    @Option(help: "The least share of orders an itemset is in (0–1).") var minSupport = 0.01
    @Option(help: "The least confidence of a rule (0–1).") var minConfidence = 0.2
    @Option(help: "The most items in an itemset.") var maxLength = 3
    @Option(help: "Write the CSV here instead of standard output.") var out: String?

    func validate() throws {
        guard minSupport > 0, minSupport <= 1 else { throw ValidationError("--min-support is above 0, at most 1") }
        guard (0...1).contains(minConfidence) else { throw ValidationError("--min-confidence is from 0 to 1") }
        guard (2...8).contains(maxLength) else { throw ValidationError("--max-length is from 2 to 8") }
    }

    func run() async throws {
        let csv = try MappedCSV(lines, fields: ["order", "item"], map: map)
        var rejected = Rejections()
        var orders = Basket.Numbering(), items = Basket.Numbering()
        var baskets: [[Int]] = []
        try csv.forEachRow(rejected: &rejected) { field, _ in
            let order = field("order"), item = field("item")
            guard !order.isEmpty, !item.isEmpty else {
                return RapportError(.invalidCSV, "the order or the item is empty")
            }
            let o = orders.number(order)
            if o == baskets.count { baskets.append([]) }
            let i = items.number(item)
            if o < baskets.count { baskets[o].append(i) }  // trap-ok: checked
            return nil
        }
        rejected.report(file: lines)
        guard !baskets.isEmpty else { throw ValidationError("\(lines) has no order lines") }
        let minCount = max(1, Int((minSupport * Double(baskets.count)).rounded(.up)))
        let itemsets = Basket.frequentItemsets(baskets, minCount: minCount, maxLength: maxLength)
        let rules = Basket.rules(itemsets, baskets: baskets.count, minConfidence: minConfidence)
        let itemNames = items.names
        func names(_ list: [Int]) -> String {
            list.map { itemNames.indices.contains($0) ? itemNames[$0] : String($0) }.sorted().joined(separator: " + ")  // trap-ok: checked
        }
        var text = try OutputText(path: out)
        text.write(CSVText.line(["antecedent", "consequent", "orders", "support", "confidence", "lift"]))
        for r in rules {
            text.write(CSVText.line([names(r.antecedent), names(r.consequent), String(r.count), String(format: "%.6f", r.support),
                                     String(format: "%.6f", r.confidence), String(format: "%.6f", r.lift)]))
        }
        try text.close()
        let report = "\(baskets.count) orders, \(itemNames.count) items; \(itemsets.count) frequent itemsets "
            + "(in at least \(minCount) orders), \(rules.count) rules\n"
        FileHandle.standardError.write(Data(report.utf8))
    }
}
