import Foundation
import RapportCore

/// CSV text as RFC 4180 writes it: cells with a comma, quote or line break quoted.
public enum CSVText {
    public static func line(_ cells: [String]) -> String {
        cells.map(quoted).joined(separator: ",") + "\r\n"
    }

    public static func quoted(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A value as a cell: text as is, numbers and booleans as JSON writes them, anything else as JSON.
    public static func cell(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): s
        case .null: ""
        default: String(decoding: v.serialized(), as: UTF8.self)
        }
    }
}
