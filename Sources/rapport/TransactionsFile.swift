import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportIngest

/// The purchases of a transactions file, for `rapport rfm`, `cluster` and `clv`.
///
/// Customers are numbers: the file's own when every id is an integer
/// written as its number, otherwise their rank in text order, with `names`
/// giving each number's id — so that ascending numbers are ascending ids
/// either way.
struct TransactionsFile {
    var purchases = RFM.Purchases()
    /// The text ids by number, when the ids are not all integers.
    var names: [String]?

    /// A customer number as the file wrote it.
    func name(_ customer: Int64) -> String {
        guard let names else { return String(customer) }
        guard let i = Int(exactly: customer), names.indices.contains(i) else { return String(customer) }
        return names[i]  // trap-ok: checked
    }

    /// Reads `path` in `format` (cdnow or csv, with `map` naming csv columns);
    /// lines that cannot be read go to `rejected`.
    static func read(_ path: String, format: String, map: String?, rejected: inout Rejections) async throws -> TransactionsFile {
        switch format {
        case "cdnow":
            var file = TransactionsFile()
            var problems = Rejections()
            try await FileChunks(path: path).forEachLineBatch { lines in
                for (line, n) in lines {
                    do {
                        if let p = try PurchaseLine.cdnow(line, mayBeHeader: n == 1) {
                            file.purchases.append(customer: p.customer, day: p.day, cents: p.cents)
                        }
                    } catch let e as RapportError {
                        problems.add(line: n, e)
                    }
                }
            }
            rejected = problems
            return file
        case "csv":
            return try readCSV(path, map: map, rejected: &rejected)
        default:
            throw ValidationError("--format must be cdnow or csv")
        }
    }

    static func readCSV(_ path: String, map: String?, rejected: inout Rejections) throws -> TransactionsFile {
        let csv = try MappedCSV(path, fields: ["customer", "date", "amount"], map: map)
        var rows: [(customer: String, day: Int, cents: Int64)] = []
        try csv.forEachRow(rejected: &rejected) { field, _ in
            let customer = field("customer"), date = field("date"), amount = field("amount")
            guard !customer.isEmpty else {
                return RapportError(.invalidCSV, "the customer is empty")
            }
            guard let day = Self.day(date) else {
                return RapportError(.invalidTimestamp, "cannot read the date \"\(date.prefix(40))\"")
            }
            guard let cents = PurchaseLine.cents(amount.utf8) else {
                return RapportError(.invalidCSV, "the amount \"\(amount.prefix(40))\" is not a number")
            }
            rows.append((customer, day, cents))
            return nil
        }
        var file = TransactionsFile()
        file.purchases.reserveCapacity(rows.count)
        // Numbers only if each id is written as its number ("7", not "007" or "+7"), so no two ids merge.
        if rows.allSatisfy({ Int64($0.customer).map { String($0) } == $0.customer }) {
            for r in rows { file.purchases.append(customer: Int64(r.customer) ?? 0, day: r.day, cents: r.cents) }
            return file
        }
        let names = Array(Set(rows.map(\.customer))).sorted()
        var number: [String: Int64] = [:]
        number.reserveCapacity(names.count)
        for (i, name) in names.enumerated() { number[name] = Int64(i) }
        for r in rows { file.purchases.append(customer: number[r.customer] ?? 0, day: r.day, cents: r.cents) }
        file.names = names
        return file
    }

    /// Days since 1970 of `YYYY-MM-DD`, `YYYYMMDD` or an ISO 8601 time (its UTC day).
    static func day(_ text: String) -> Int? {
        if let ms = Timestamp.parseDate(text) ?? Timestamp.parseISO8601(text) {
            let d = Timestamp.millisPerDay
            return Int(ms >= 0 ? ms / d : -((-(ms + 1)) / d) - 1)  // floor: a time before 1970 is in the day it falls in
        }
        return PurchaseLine.yyyymmdd(text.utf8)
    }

    /// Days since 1970 of a date option (YYYY-MM-DD), today (UTC) when not given.
    static func dayOption(_ value: String?, name: String) throws -> Int {
        guard let value else { return Int(Date().timeIntervalSince1970 / 86_400) }
        guard let millis = Timestamp.parseDate(value) else {
            throw ValidationError("--\(name) must be a date YYYY-MM-DD, not \"\(value)\"")
        }
        return Int(millis / Timestamp.millisPerDay)
    }
}

/// Output to a file (`--out`) or standard output, written in large pieces.
struct OutputText {
    private let handle: FileHandle
    private let closes: Bool
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                  let h = FileHandle(forWritingAtPath: path)
            else { throw ValidationError("cannot write \(path)") }
            handle = h
            closes = true
        } else {
            handle = .standardOutput
            closes = false
        }
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 20 {
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }

    mutating func close() throws {
        handle.write(Data(buffer))
        buffer.removeAll()
        if closes { try handle.close() }
    }
}
