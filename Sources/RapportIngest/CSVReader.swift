import RapportCore

/// Reads CSV (RFC 4180): comma-separated, fields optionally in double quotes,
/// `""` for a quote inside quotes, line breaks allowed inside quotes, CRLF or
/// LF line ends, an optional UTF-8 byte-order mark.
///
/// Feed it bytes in chunks; it calls back once per record with the record's
/// fields and the line number its first line has.
public struct CSVReader: Sendable {
    var field: [UInt8] = []
    var fields: [String] = []
    var inQuotes = false
    var quoteSeen = false
    var line = 1
    var recordLine = 1
    var atStart = true
    var fieldStarted = false
    /// A record longer than this is reported as an error, not held in memory.
    public var maxRecordBytes = 1 << 20
    var recordBytes = 0

    public init() {}

    /// One record: its fields, or the reason it could not be read.
    public enum Record: Sendable {
        case fields([String], line: Int)
        case error(RapportError, line: Int)
    }

    /// Consumes a chunk of input.
    public mutating func feed(_ bytes: some Sequence<UInt8>, _ emit: (Record) throws -> Void) rethrows {
        for b in bytes {
            if atStart {
                atStart = false
                if b == 0xEF { bomState = 1; continue }
            }
            if bomState > 0 {
                // Skip the rest of a UTF-8 BOM (EF BB BF).
                if (bomState == 1 && b == 0xBB) || (bomState == 2 && b == 0xBF) {
                    bomState += 1
                    if bomState == 3 { bomState = 0 }
                    continue
                }
                field.append(0xEF)
                if bomState == 2 { field.append(0xBB) }
                bomState = 0
            }
            recordBytes += 1
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    inQuotes = false
                    quoteSeen = true
                } else {
                    if b == 0x0A { line += 1 }
                    if recordBytes <= maxRecordBytes { field.append(b) }
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                if quoteSeen {
                    field.append(b)  // "" inside a quoted field
                    inQuotes = true
                    quoteSeen = false
                } else if !fieldStarted {
                    inQuotes = true
                    fieldStarted = true
                } else {
                    field.append(b)  // a stray quote in an unquoted field is kept as it is
                }
            case UInt8(ascii: ","):
                endField()
            case 0x0D:
                continue
            case 0x0A:
                try endRecord(emit)
                line += 1
                recordLine = line
            default:
                quoteSeen = false
                fieldStarted = true
                if recordBytes <= maxRecordBytes { field.append(b) }
            }
        }
    }

    var bomState = 0

    /// Ends the input: emits the last record if the input did not end with a line break.
    public mutating func finish(_ emit: (Record) throws -> Void) rethrows {
        if inQuotes {
            try emit(.error(RapportError(.invalidCSV, "a quoted field is not closed"), line: recordLine))
            reset()
            return
        }
        if fieldStarted || !fields.isEmpty || !field.isEmpty { try endRecord(emit) }
    }

    mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        quoteSeen = false
        fieldStarted = false
    }

    mutating func endRecord(_ emit: (Record) throws -> Void) rethrows {
        endField()
        let tooLong = recordBytes > maxRecordBytes
        let record = fields
        let at = recordLine
        reset()
        if tooLong {
            try emit(.error(RapportError(.invalidCSV, "record longer than \(maxRecordBytes) bytes"), line: at))
        } else if !(record.count == 1 && record[0].isEmpty) {  // trap-ok: count checked
            try emit(.fields(record, line: at))
        }
    }

    mutating func reset() {
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        inQuotes = false
        quoteSeen = false
        fieldStarted = false
        recordBytes = 0
    }

    /// Parses a whole text (for tests and small inputs).
    public static func parse(_ text: String) -> [Record] {
        var reader = CSVReader()
        var out: [Record] = []
        reader.feed(Array(text.utf8)) { out.append($0) }
        reader.finish { out.append($0) }
        return out
    }
}
