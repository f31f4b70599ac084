/// A cursor over UTF-8 JSON text (RFC 8259) that reads one token at a time.
///
/// `JSONValue.parse(_:)` is built on it, and so is the ingest decoder, which
/// walks a message's members itself, decodes only the fields it needs, and
/// skips the rest (such as `properties`) after validating them, keeping just
/// their byte range.
///
/// The scanner is strict:
///
/// - Strings: every escape of RFC 8259 including `\uXXXX` surrogate pairs. A
///   lone surrogate escape (`\uD800` not followed by a low surrogate, or a lone
///   `\uDC00`) decodes to U+FFFD, as browsers may send them. Raw bytes that
///   are not well-formed UTF-8 and raw control characters (below U+0020) are
///   errors.
/// - Numbers: the RFC grammar only (no leading zeros, `+`, `.5`, `NaN`,
///   `Infinity`). A number whose magnitude overflows `Double` (`1e400`) is an
///   error, also when skipped, so a value that ``skipValue()`` accepts always
///   parses later. Underflow (`1e-400`) gives zero.
/// - Nesting deeper than ``maxDepth`` is an error (no recursion beyond it, so
///   no stack overflow).
/// - Objects with duplicate keys keep the last value.
///
/// Errors are `RapportError(.invalidJSON, "… at byte N")`, where `N` is the
/// offset in ``bytes``.
///
/// The scanner holds an unsafe pointer: use it only inside the
/// `withUnsafeBufferPointer` (or similar) closure that gave you the buffer.
///
/// Walking an object:
///
/// ```swift
/// var scanner = JSONScanner(buffer)
/// if try scanner.beginObject() {
///     repeat {
///         let key = try scanner.readKey()
///         if key == "name" { name = try scanner.parseString() }
///         else { _ = try scanner.skipValue() }
///     } while try scanner.nextMember()
/// }
/// try scanner.expectEnd()
/// ```
public struct JSONScanner {
    /// The JSON text.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    public var position: Int
    /// The number of objects and arrays currently open.
    public internal(set) var depth: Int = 0
    /// The deepest nesting of objects and arrays allowed.
    public let maxDepth: Int
    /// Reused buffer for strings with escapes.
    var scratch: [UInt8] = []
    /// Elements of the arrays being parsed, innermost last.
    var valueStack: [JSONValue] = []

    /// The default nesting limit.
    public static let defaultMaxDepth = 128

    /// A scanner at `position` in `bytes`.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        self.bytes = bytes
        self.position = max(0, min(position, bytes.count))
        self.maxDepth = maxDepth
    }

    /// Whether only whitespace remains.
    public mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position >= bytes.count
    }

    /// Skips spaces, tabs, line feeds and carriage returns.
    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        var i = position
        let end = bytes.count
        while i < end {
            let b = bytes[i]
            if b > 0x20 { break }
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { break }
        }
        position = i
    }

    /// Skips a UTF-8 byte order mark at the current position, if there is one.
    public mutating func skipByteOrderMark() {
        if position + 3 <= bytes.count, bytes[position] == 0xEF, bytes[position + 1] == 0xBB,
           bytes[position + 2] == 0xBF
        {
            position += 3
        }
    }

    /// The next byte after whitespace, without consuming it; `nil` at the end.
    @inlinable @inline(__always)
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Throws unless only whitespace remains.
    public mutating func expectEnd() throws(RapportError) {
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describeByte(at: position)) after the JSON value", at: position)
        }
    }

    // MARK: - Objects and arrays

    /// Consumes `{`. Returns `true` if the object has members (read them with
    /// ``readKey()`` and a value, then ``nextMember()``), `false` if it was
    /// empty, in which case `}` is consumed too.
    public mutating func beginObject() throws(RapportError) -> Bool {
        try open(UInt8(ascii: "{"), close: UInt8(ascii: "}"), "'{'")
    }

    /// Consumes `[`. Returns `true` if the array has elements (read one value,
    /// then ``nextElement()``), `false` if it was empty (`]` consumed).
    public mutating func beginArray() throws(RapportError) -> Bool {
        try open(UInt8(ascii: "["), close: UInt8(ascii: "]"), "'['")
    }

    /// After a member's value: consumes `,` and returns `true`, or consumes `}`
    /// and returns `false`.
    @inlinable @inline(__always)
    public mutating func nextMember() throws(RapportError) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: ",") {
            position &+= 1  // trap-ok: position < bytes.count
            return true
        }
        return try next(close: UInt8(ascii: "}"), "',' or '}'")
    }

    /// After an element: consumes `,` and returns `true`, or consumes `]` and
    /// returns `false`.
    @inlinable @inline(__always)
    public mutating func nextElement() throws(RapportError) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: ",") {
            position &+= 1  // trap-ok: position < bytes.count
            return true
        }
        return try next(close: UInt8(ascii: "]"), "',' or ']'")
    }

    /// Reads a member's key and the `:` after it.
    public mutating func readKey() throws(RapportError) -> String {
        let raw = try readRawKey()
        return string(raw)
    }

    /// Reads a member's key and the `:` after it, without building a `String`.
    @inlinable
    public mutating func readRawKey() throws(RapportError) -> RawString {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw expected("a string key")
        }
        let raw = try scanString()
        if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
            position &+= 1  // trap-ok: position < bytes.count
            return raw
        }
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
            throw expected("':'")
        }
        position &+= 1  // trap-ok: position < bytes.count
        return raw
    }

    @inline(__always)
    private mutating func open(_ byte: UInt8, close: UInt8, _ name: String) throws(RapportError) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw expected(name) }
        guard depth < maxDepth else {
            throw error("nesting deeper than \(maxDepth) levels", at: position)
        }
        depth += 1
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == close {
            position += 1
            depth -= 1
            return false
        }
        return true
    }

    /// The rest of ``nextMember()`` and ``nextElement()``: the container ends
    /// at `close`, or `name` was expected.
    @usableFromInline
    mutating func next(close: UInt8, _ name: String) throws(RapportError) -> Bool {
        skipWhitespace()
        if position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: ",") {
                position += 1
                return true
            }
            if b == close {
                position += 1
                depth -= 1
                return false
            }
        }
        throw expected(name)
    }

    // MARK: - Errors

    /// An `.invalidJSON` error that ends with "at byte `offset`".
    public func error(_ what: String, at offset: Int) -> RapportError {
        RapportError(.invalidJSON, "\(what) at byte \(offset)")
    }

    @usableFromInline
    func expected(_ what: String) -> RapportError {
        error("expected \(what) but found \(describeByte(at: position))", at: position)
    }

    func describeByte(at offset: Int) -> String {
        guard offset >= 0, offset < bytes.count else { return "end of input" }
        let b = bytes[offset]
        if b >= 0x21, b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x\(hex.count < 2 ? "0" + hex : hex)"
    }
}

extension JSONScanner {
    /// A string token's position: the bytes between the quotes, and whether
    /// they contain escapes (if not, they are the string's UTF-8 as is).
    /// ``JSONScanner/string(_:)`` turns it into a `String`.
    public struct RawString: Sendable, Hashable {
        /// The bytes between the quotes, as offsets in the scanner's buffer.
        public let range: Range<Int>
        /// Whether the text contains backslash escapes.
        public let hasEscapes: Bool

        @usableFromInline
        init(range: Range<Int>, hasEscapes: Bool) {
            self.range = range
            self.hasEscapes = hasEscapes
        }
    }
}
