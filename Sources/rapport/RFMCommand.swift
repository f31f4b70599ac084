import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportIngest

/// `rapport rfm`: RFM of a transactions file, without a data directory.
struct RFMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfm",
        abstract: "Recency, frequency and monetary value per customer of a transactions file, as CSV.",
        discussion: """
            Prints one line per customer with a purchase on or before --as-of: days since the last purchase, \
            distinct purchase days, total amount, the three scores 1–5 (quintiles of rank; ties go to the \
            lower customer id first, as pandas.qcut(x.rank(method="first"), 5) over rows sorted by id) and \
            the named group. Lines that cannot be read are reported on standard error with their numbers; \
            the rest are used.

            Formats: cdnow (CDNOW_master.txt or CDNOW_sample.txt), or csv with a header line (columns \
            customer, date and amount unless --map names others; dates YYYY-MM-DD, YYYYMMDD or ISO 8601, \
            amounts in currency units). Customer ids that are all integers sort as numbers, otherwise as text.
            """)

    @Option(help: "The transactions file.") var transactions: String
    @Option(help: "cdnow or csv.") var format = "csv"
    @Option(help: "For csv: column mapping customer=Header,date=Header,amount=Header.") var map: String?
    @Option(help: "The day the figures are as of (YYYY-MM-DD); purchases after it are left out. Default: today (UTC).")
    var asOf: String?
    @Option(help: "Write the CSV here instead of standard output.") var out: String?

    func run() async throws {
        let asOfDay = try Self.asOfDay(asOf)
        var rejected = Rejections()
        let table = try await Self.compute(transactions: transactions, format: format, map: map, asOfDay: asOfDay,
                                           rejected: &rejected)
        try write(table)
        rejected.report(file: transactions)
    }

    /// Days since 1970 of `--as-of`, today (UTC) when not given.
    static func asOfDay(_ asOf: String?) throws -> Int {
        try TransactionsFile.dayOption(asOf, name: "as-of")
    }

    /// The RFM figures of a transactions file; lines that cannot be read go to `rejected`.
    static func compute(transactions: String, format: String, map: String?, asOfDay: Int,
                        rejected: inout Rejections) async throws -> RFMOutput {
        let file = try await TransactionsFile.read(transactions, format: format, map: map, rejected: &rejected)
        return RFMOutput(table: RFM.compute(file.purchases, asOfDay: asOfDay), file: file)
    }

    /// The computed figures, with the file's customer ids.
    struct RFMOutput {
        var table: RFM.Table
        var file: TransactionsFile

        /// Each customer's id (as text) with its figures, in order.
        var rows: [(customer: String, recencyDays: Int, frequency: Int, monetaryCents: Int64)] {
            (0..<table.count).map { i in
                let r = table.row(at: i)
                return (file.name(r.customer), r.recencyDays, r.frequency, r.monetaryCents)
            }
        }
    }

    func write(_ output: RFMOutput) throws {
        var text = try OutputText(path: out)
        text.write("customer,recency_days,frequency,monetary,r,f,m,rfm,group\n")
        var groups: [RFM.Group: Int] = [:]
        let table = output.table
        for i in 0..<table.count {
            let row = table.row(at: i)
            groups[row.group, default: 0] += 1
            text.write("\(Self.csvField(output.file.name(row.customer))),\(row.recencyDays),\(row.frequency),")
            text.write("\(Self.amount(row.monetaryCents)),\(row.r),\(row.f),\(row.m),\(row.r)\(row.f)\(row.m),\(row.group.rawValue)\n")
        }
        try text.close()
        let total = groups.values.reduce(0, +)
        let summary = RFM.Group.allCases.compactMap { g in groups[g].map { "\(g.rawValue) \($0)" } }
        FileHandle.standardError.write(Data("\(total) customers: \(summary.joined(separator: ", "))\n".utf8))
    }

    /// An amount in cents as currency units with two decimals (`-12.05`).
    static func amount(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let rest = magnitude % 100
        return "\(cents < 0 ? "-" : "")\(magnitude / 100).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// A CSV field, quoted if it needs to be.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Lines of an input file that could not be read: counted, the first few kept to show.
struct Rejections {
    var count = 0
    var first: [String] = []

    mutating func add(line: Int, _ error: RapportError) {
        count += 1
        if first.count < 10 { first.append("  line \(line): \(error.message)") }
    }

    func report(file: String) {
        guard count > 0 else { return }
        let text = "\(count) line(s) of \(file) could not be read and were left out:\n" + first.joined(separator: "\n")
            + (count > first.count ? "\n  …" : "") + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
