/// Why a condition was refused: where (line and column, both from 1, columns
/// counted in Unicode characters), what was expected, and what was found.
///
/// Modelled on postgres-nio's errors: a struct with a `Code`.
public struct ConditionError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The text does not follow the grammar.
        public static let syntax = Code(rawValue: "condition_syntax")
        /// Nested deeper than ``ConditionParser/maxDepth`` or longer than ``ConditionParser/maxLength``.
        public static let tooComplex = Code(rawValue: "condition_too_complex")
        /// The JSON form is not a condition.
        public static let invalidJSON = Code(rawValue: "condition_json")
        /// A segment refers to itself, directly or through others.
        public static let cycle = Code(rawValue: "segment_cycle")
        /// A segment refers to one that does not exist.
        public static let unknownSegment = Code(rawValue: "unknown_segment")
        /// Two definitions (segments, or computed traits) share a name.
        public static let duplicateName = Code(rawValue: "duplicate_name")
    }

    public var code: Code
    public var message: String
    /// 1-based; 0 when the error has no place in a text (JSON form, cycles).
    public var line: Int
    public var column: Int
    /// What would have been accepted at that place.
    public var expected: [String]

    public init(_ code: Code, _ message: String, line: Int = 0, column: Int = 0, expected: [String] = []) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.expected = expected
    }

    public var description: String {
        line > 0 ? "line \(line), column \(column): \(message)" : message
    }
}
