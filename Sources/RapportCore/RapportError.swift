/// An error Rapport reports to a caller: a stable machine-readable code and a
/// message for people.
///
/// Modelled on postgres-nio's errors: a struct with a `Code`, so callers can
/// match on the code and new codes do not break them.
public struct RapportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error code. Its `rawValue` is what the HTTP
    /// API sends in `code`.
    public struct Code: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Input
        public static let invalidJSON = Code("invalid_json")
        public static let invalidMessage = Code("invalid_message")
        public static let invalidType = Code("invalid_type")
        public static let missingIdentity = Code("missing_user_id_or_anonymous_id")
        public static let missingEvent = Code("missing_event")
        public static let missingPreviousId = Code("missing_previous_id")
        public static let missingGroupId = Code("missing_group_id")
        public static let invalidTimestamp = Code("invalid_timestamp")
        public static let messageTooLarge = Code("message_too_large")
        public static let requestTooLarge = Code("request_too_large")
        public static let batchTooLarge = Code("batch_too_large")
        public static let invalidEncoding = Code("invalid_content_encoding")
        public static let invalidArgument = Code("invalid_argument")
        public static let invalidCSV = Code("invalid_csv")
        // Auth
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        // State
        public static let notFound = Code("not_found")
        public static let conflict = Code("conflict")
        public static let unavailable = Code("unavailable")
        /// A model or report cannot be computed from the data at hand (too little of it, or no solution).
        public static let insufficientData = Code("insufficient_data")
        public static let storage = Code("storage_error")
        public static let configuration = Code("invalid_configuration")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
