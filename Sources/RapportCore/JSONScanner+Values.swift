extension JSONScanner {
    /// Reads any value.
    public mutating func parseValue() throws(RapportError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw expected("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            return .object(try parseObject())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "\""):
            let raw = try scanString()
            return .string(string(raw))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let token = try scanNumber()
            return .number(try value(of: token))
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            throw expected("a value")
        }
    }

    /// Reads an object's members.
    public mutating func parseObject() throws(RapportError) -> [String: JSONValue] {
        guard try beginObject() else { return [:] }
        // Members collect on stacks shared by all nesting levels, so the
        // dictionary is built once at its final size.
        let keyBase = keyStack.count
        let valueBase = valueStack.count
        defer {
            while keyStack.count > keyBase { keyStack.removeLast() }
            while valueStack.count > valueBase { valueStack.removeLast() }
        }
        repeat {
            let key = try readKey()
            let value = try parseValue()
            keyStack.append(key)
            valueStack.append(value)
        } while try nextMember()
        let count = keyStack.count - keyBase
        var members = [String: JSONValue](minimumCapacity: count)
        for i in 0..<count {
            members[keyStack[keyBase + i]] = valueStack[valueBase + i]
        }
        return members
    }

    /// Reads an array's elements.
    public mutating func parseArray() throws(RapportError) -> [JSONValue] {
        guard try beginArray() else { return [] }
        let base = valueStack.count
        defer {
            while valueStack.count > base { valueStack.removeLast() }
        }
        repeat {
            let value = try parseValue()
            valueStack.append(value)
        } while try nextElement()
        return Array(valueStack[base...])
    }

    /// Reads a boolean value.
    public mutating func parseBool() throws(RapportError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            throw expected("true or false")
        }
    }

    /// Consumes `null` if it is next and returns `true`; otherwise consumes
    /// nothing and returns `false`.
    public mutating func consumeNull() throws(RapportError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Validates the next value without building it and returns its byte
    /// range (without surrounding whitespace).
    ///
    /// Everything ``parseValue()`` would reject is rejected here too: bad
    /// UTF-8, bad escapes, out-of-range numbers, too deep nesting.
    @discardableResult
    public mutating func skipValue() throws(RapportError) -> Range<Int> {
        skipWhitespace()
        let start = position
        guard position < bytes.count else { throw expected("a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            if try beginObject() {
                repeat {
                    _ = try readRawKey()
                    try skipValue()
                } while try nextMember()
            }
        case UInt8(ascii: "["):
            if try beginArray() {
                repeat {
                    try skipValue()
                } while try nextElement()
            }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let token = try scanNumber()
            if needsRangeCheck(token) { _ = try value(of: token) }
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        default:
            throw expected("a value")
        }
        return start..<position
    }

    /// Consumes the literal `word` at `position`.
    @inline(__always)
    mutating func literal(_ word: StaticString) throws(RapportError) {
        let n = word.utf8CodeUnitCount
        let p = word.utf8Start
        var i = 0
        while i < n {
            guard position + i < bytes.count, bytes[position + i] == p[i] else {  // trap-ok: i < n
                throw error("invalid literal (expected \(word))", at: position)
            }
            i += 1
        }
        position += n
    }
}
