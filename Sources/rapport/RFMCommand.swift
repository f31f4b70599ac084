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
        guard let asOf else { return Int(Date().timeIntervalSince1970 / 86_400) }
        guard let millis = Timestamp.parseDate(asOf) else {
            throw ValidationError("--as-of must be a date YYYY-MM-DD, not \"\(asOf)\"")
        }
        return Int(millis / Timestamp.millisPerDay)
    }

    /// The RFM figures of a transactions file; lines that cannot be read go to `rejected`.
    static func compute(transactions: String, format: String, map: String?, asOfDay: Int,
                        rejected: inout Rejections) async throws -> RFMOutput {
        switch format {
        case "cdnow":
            var purchases = RFM.Purchases()
            var problems = Rejections()
            try await FileChunks(path: transactions).forEachLineBatch { lines in
                for (line, n) in lines {
                    do {
                        if let p = try PurchaseLine.cdnow(line, mayBeHeader: n == 1) {
                            purchases.append(customer: p.customer, day: p.day, cents: p.cents)
                        }
                    } catch let e as RapportError {
                        problems.add(line: n, e)
                    }
                }
            }
            rejected = problems
            return .numbers(RFM.compute(purchases, asOfDay: asOfDay))
        case "csv":
            return try readCSV(transactions: transactions, map: map, asOfDay: asOfDay, rejected: &rejected)
        default:
            throw ValidationError("--format must be cdnow or csv")
        }
    }

    /// The computed figures, by numeric or textual customer id.
    enum RFMOutput {
        case numbers(RFM.Table)
        case text([RFM.Row<String>])

        /// Each customer's id (as text) with its figures, in order.
        var rows: [(customer: String, recencyDays: Int, frequency: Int, monetaryCents: Int64)] {
            switch self {
            case .numbers(let table):
                return (0..<table.count).map { i in
                    let r = table.row(at: i)
                    return (String(r.customer), r.recencyDays, r.frequency, r.monetaryCents)
                }
            case .text(let rows):
                return rows.map { ($0.customer, $0.recencyDays, $0.frequency, $0.monetaryCents) }
            }
        }
    }

    static func readCSV(transactions: String, map: String?, asOfDay: Int, rejected: inout Rejections) throws -> RFMOutput {
        var columns = ["customer": "customer", "date": "date", "amount": "amount"]
        for (field, header) in try parseColumnMap(map) {
            guard columns[field] != nil else {
                throw ValidationError("--map takes customer=Header,date=Header,amount=Header, not \"\(field)\"")
            }
            columns[field] = header
        }
        var records: [CSVReader.Record] = []
        var reader = CSVReader()
        try FileChunks(path: transactions).forEach { chunk in reader.feed(chunk) { records.append($0) } }
        reader.finish { records.append($0) }
        var header: [String: Int]?
        var rows: [(customer: String, day: Int, cents: Int64)] = []
        for record in records {
            switch record {
            case .error(let e, let line): rejected.add(line: line, e)
            case .fields(let fields, let line):
                guard let h = header else {
                    var index: [String: Int] = [:]
                    for (i, name) in fields.enumerated() { index[name.trimmingCharacters(in: .whitespaces)] = i }
                    let missing = ["customer", "date", "amount"].filter { index[columns[$0] ?? ""] == nil }
                    guard missing.isEmpty else {
                        let names = missing.map { "\"\(columns[$0] ?? $0)\" (\($0))" }.joined(separator: ", ")
                        throw ValidationError("the header of \(transactions) has no column \(names); name them with --map")
                    }
                    header = index
                    continue
                }
                func field(_ name: String) -> String {
                    guard let c = columns[name], let i = h[c], fields.indices.contains(i) else { return "" }
                    return fields[i].trimmingCharacters(in: .whitespaces)  // trap-ok: checked
                }
                let customer = field("customer"), date = field("date"), amount = field("amount")
                guard !customer.isEmpty else {
                    rejected.add(line: line, RapportError(.invalidCSV, "the customer is empty"))
                    continue
                }
                guard let day = Self.day(date) else {
                    rejected.add(line: line, RapportError(.invalidTimestamp, "cannot read the date \"\(date.prefix(40))\""))
                    continue
                }
                guard let cents = PurchaseLine.cents(amount.utf8) else {
                    rejected.add(line: line, RapportError(.invalidCSV, "the amount \"\(amount.prefix(40))\" is not a number"))
                    continue
                }
                rows.append((customer, day, cents))
            }
        }
        // Numbers only if each id is written as its number ("7", not "007" or "+7"), so no two ids merge.
        if rows.allSatisfy({ Int64($0.customer).map { String($0) } == $0.customer }) {
            var purchases = RFM.Purchases()
            for r in rows { purchases.append(customer: Int64(r.customer) ?? 0, day: r.day, cents: r.cents) }
            return .numbers(RFM.compute(purchases, asOfDay: asOfDay))
        }
        return .text(RFM.compute(rows.map { RFM.Purchase(customer: $0.customer, day: $0.day, amountCents: $0.cents) },
                                 asOfDay: asOfDay))
    }

    /// Days since 1970 of `YYYY-MM-DD`, `YYYYMMDD` or an ISO 8601 time (its UTC day).
    static func day(_ text: String) -> Int? {
        if let ms = Timestamp.parseDate(text) ?? Timestamp.parseISO8601(text) {
            let d = Timestamp.millisPerDay
            return Int(ms >= 0 ? ms / d : -((-(ms + 1)) / d) - 1)  // floor: a time before 1970 is in the day it falls in
        }
        return PurchaseLine.yyyymmdd(text.utf8)
    }

    func write(_ output: RFMOutput) throws {
        let handle: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil),
                  let h = FileHandle(forWritingAtPath: out)
            else { throw ValidationError("cannot write \(out)") }
            handle = h
        } else {
            handle = .standardOutput
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: "customer,recency_days,frequency,monetary,r,f,m,rfm,group\n".utf8)
        func line(_ customer: String, _ row: RFM.Row<some Any>) {
            buffer.append(contentsOf: customer.utf8)
            buffer.append(contentsOf: ",\(row.recencyDays),\(row.frequency),\(Self.amount(row.monetaryCents)),".utf8)
            buffer.append(contentsOf: "\(row.r),\(row.f),\(row.m),\(row.r)\(row.f)\(row.m),\(row.group.rawValue)\n".utf8)
            if buffer.count > 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        var groups: [RFM.Group: Int] = [:]
        switch output {
        case .numbers(let table):
            for i in 0..<table.count {
                let row = table.row(at: i)
                groups[row.group, default: 0] += 1
                line(String(row.customer), row)
            }
        case .text(let rows):
            for row in rows {
                groups[row.group, default: 0] += 1
                line(Self.csvField(row.customer), row)
            }
        }
        handle.write(Data(buffer))
        if out != nil { try handle.close() }
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
