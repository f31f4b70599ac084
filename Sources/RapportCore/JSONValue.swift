/// A JSON value, as it arrived in a message or as Rapport stores it.
///
/// Numbers are kept as `Double`; integral values up to 2^53 round-trip exactly.
/// Objects keep no key order (JSON gives them none).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The member `key` of an object, or `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, or `nil` if this is not a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, or `nil` if this is not a number.
    public var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The boolean, or `nil` if this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object's members, or `nil` if this is not an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array's elements, or `nil` if this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A number, or a string that parses as a number ("12.50"): what a lenient
    /// reader of `revenue` or `price` wants.
    public var numericValue: Double? {
        switch self {
        case .number(let d): return d.isFinite ? d : nil
        case .string(let s):
            guard let d = Double(s.trimmingASCIIWhitespace()), d.isFinite else { return nil }
            return d
        default: return nil
        }
    }

    /// The value as an identifier string: strings as they are, integral numbers
    /// without a fraction ("42", not "42.0"), anything else `nil`.
    public var identifierString: String? {
        switch self {
        case .string(let s): return s
        case .number(let d):
            guard d.isFinite else { return nil }
            if d == d.rounded(), abs(d) < 9_007_199_254_740_992 { return String(Int64(d)) }
            return String(d)
        default: return nil
        }
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        guard let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
