import ArgumentParser
import RapportCore
import RapportIngest

/// A CSV file with a header line whose columns a `--map` names (`field=Header,…`; each field's column is
/// the field's own name by default): the rows' fields by field name, trimmed. Used by `rfm`, `cluster`,
/// `clv` (transactions) and `basket` (order lines).
struct MappedCSV {
    let path: String
    /// Column header by field name.
    let columns: [String: String]

    /// The columns of `fields`, as `map` renames them; a field not among them is refused.
    init(_ path: String, fields: [String], map: String?) throws {
        var columns = Dictionary(uniqueKeysWithValues: fields.map { ($0, $0) })
        for (field, header) in try parseColumnMap(map) {
            guard columns[field] != nil else {
                throw ValidationError("--map takes " + fields.map { "\($0)=Header" }.joined(separator: ",") + ", not \"\(field)\"")
            }
            columns[field] = header
        }
        self.path = path
        self.columns = columns
    }

    /// Calls `body` with each row's field reader and line number; lines the CSV reader refuses, and those
    /// `body` refuses (returning why), go to `rejected`. Throws when the header lacks a column.
    func forEachRow(rejected: inout Rejections, _ body: (_ field: (String) -> String, _ line: Int) throws -> RapportError?) throws {
        var records: [CSVReader.Record] = []
        var reader = CSVReader()
        try FileChunks(path: path).forEach { chunk in reader.feed(chunk) { records.append($0) } }
        reader.finish { records.append($0) }
        var header: [String: Int]?
        for record in records {
            switch record {
            case .error(let e, let line): rejected.add(line: line, e)
            case .fields(let fields, let line):
                guard let h = header else {
                    var index: [String: Int] = [:]
                    for (i, name) in fields.enumerated() { index[name.trimmingCharacters(in: .whitespaces)] = i }
                    let missing = columns.keys.sorted().filter { index[columns[$0] ?? ""] == nil }
                    guard missing.isEmpty else {
                        let names = missing.map { "\"\(columns[$0] ?? $0)\" (\($0))" }.joined(separator: ", ")
                        throw ValidationError("the header of \(path) has no column \(names); name them with --map")
                    }
                    header = index
                    continue
                }
                func field(_ name: String) -> String {
                    guard let c = columns[name], let i = h[c], fields.indices.contains(i) else { return "" }
                    return fields[i].trimmingCharacters(in: .whitespaces)  // trap-ok: checked
                }
                if let refused = try body(field, line) { rejected.add(line: line, refused) }
            }
        }
    }
}
