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
        // Room for six members in the first allocation (most objects have
        // fewer); members go straight into the dictionary.
        var members = [String: JSONValue](minimumCapacity: 6)
        repeat {
            let key = try readKey()
            members[key] = try parseValue()
        } while try nextMember()
        return members
    }

    /// Reads an array's elements.
    public mutating func parseArray() throws(RapportError) -> [JSONValue] {
        guard try beginArray() else { return [] }
        // Elements collect on a stack shared by all nesting levels, so each
        // array is allocated once at its final size.
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
    /// Everything ``parseValue()`` would reject is rejected here too, with the
    /// same error: bad UTF-8, bad escapes, out-of-range numbers, too deep
    /// nesting.
    @discardableResult
    public mutating func skipValue() throws(RapportError) -> Range<Int> {
        skipWhitespace()
        let start = position
        let end = bytes.count
        guard position < end else { throw expected("a value") }
        let first = bytes[position]
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            try skipScalar(first)
            return start..<position
        }
        // Containers are walked in a loop, not by recursion: `objects` has a
        // bit per container this call opened (1 for an object), innermost
        // lowest; `open` counts them. Past 64 levels a nested value is skipped
        // by a recursive call (the depth limit bounds the recursion).
        var objects: UInt64 = 0
        var open = 0
        while true {
            // A value starts at `position` (after whitespace; not at the end).
            let b = bytes[position]
            if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                if open == 64 {
                    try skipValue()
                } else {
                    guard depth < maxDepth else {
                        throw error("nesting deeper than \(maxDepth) levels", at: position)
                    }
                    let isObject = b == UInt8(ascii: "{")
                    depth &+= 1  // trap-ok: depth < maxDepth
                    position &+= 1  // trap-ok: position < end
                    skipWhitespace()
                    if position < end, bytes[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        position &+= 1  // trap-ok: position < end
                        depth &-= 1  // trap-ok: incremented above
                    } else {
                        open &+= 1  // trap-ok: open < 64
                        objects = objects << 1 | (isObject ? 1 : 0)
                        if isObject { try skipKey() }
                        skipWhitespace()
                        guard position < end else { throw expected("a value") }
                        continue
                    }
                }
            } else {
                try skipScalar(b)
            }
            // After a value: close containers until one continues.
            while true {
                if open == 0 { return start..<position }
                skipWhitespace()
                let isObject = objects & 1 == 1
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard position < end else { throw expected(isObject ? "',' or '}'" : "',' or ']'") }
                let c = bytes[position]
                if c == UInt8(ascii: ",") {
                    position &+= 1  // trap-ok: position < end
                    if isObject { try skipKey() }
                    skipWhitespace()
                    guard position < end else { throw expected("a value") }
                    break
                }
                guard c == close else { throw expected(isObject ? "',' or '}'" : "',' or ']'") }
                position &+= 1  // trap-ok: position < end
                depth &-= 1  // trap-ok: this call opened the container
                open &-= 1  // trap-ok: open > 0
                objects >>= 1
            }
        }
    }

    /// Validates a member's key and the `:` after it (``readRawKey()``
    /// without the result).
    @inline(__always)
    mutating func skipKey() throws(RapportError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw expected("a string key")
        }
        _ = try scanString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
            throw expected("':'")
        }
        position &+= 1  // trap-ok: position < bytes.count
    }

    /// Validates the string, number or literal starting with `b` at `position`.
    @inline(__always)
    mutating func skipScalar(_ b: UInt8) throws(RapportError) {
        switch b {
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
