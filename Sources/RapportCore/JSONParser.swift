/// Parsing JSON text into `JSONValue`s.
///
/// The rules are those of ``JSONScanner``: strict RFC 8259, UTF-8 only (a
/// leading byte order mark is ignored), any value at the top level, nothing
/// but whitespace after it, at most ``JSONScanner/defaultMaxDepth`` levels of
/// nesting, lone surrogate escapes decoded as U+FFFD, numbers that overflow
/// `Double` rejected. Errors are `RapportError(.invalidJSON, "… at byte N")`.
extension JSONValue {
    /// Parses JSON text held in a buffer.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONScanner.defaultMaxDepth
    ) throws(RapportError) -> JSONValue {
        var scanner = JSONScanner(bytes, maxDepth: maxDepth)
        scanner.skipByteOrderMark()
        let value = try scanner.parseValue()
        try scanner.expectEnd()
        return value
    }

    /// Parses UTF-8 JSON text.
    public static func parse(_ bytes: [UInt8]) throws(RapportError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RapportError) -> JSONValue in
            try parse(buffer)
        }
    }

    /// Parses UTF-8 JSON text. Error offsets count from the slice's start.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(RapportError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RapportError) -> JSONValue in
            try parse(buffer)
        }
    }

    /// Parses UTF-8 JSON text from any collection of bytes.
    public static func parse(_ bytes: some Collection<UInt8>) throws(RapportError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(RapportError) -> JSONValue in try parse(buffer) }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes))
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws(RapportError) -> JSONValue {
        try parse(text.utf8)
    }
}
