import RapportCore
import Testing

@Suite struct JSONScannerTests {
    /// Runs `body` with a scanner over `text`.
    @discardableResult
    func scan<R>(_ text: String, _ body: (inout JSONScanner) throws -> R) throws -> R {
        try Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            return try body(&scanner)
        }
    }

    @Test func walkAnObjectAndSkipValuesKeepingTheirRanges() throws {
        let text = #"{ "id" : "x1", "properties" : {"a": [1, 2, {"b": "\u00e9"}], "c": null} , "n": -1.5e3 }"#
        let bytes = Array(text.utf8)
        var found: [String: String] = [:]
        try bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            #expect(try scanner.beginObject())
            #expect(scanner.depth == 1)
            repeat {
                let key = try scanner.readKey()
                let range = try scanner.skipValue()
                found[key] = String(decoding: bytes[range], as: UTF8.self)
            } while try scanner.nextMember()
            #expect(scanner.depth == 0)
            try scanner.expectEnd()
        }
        #expect(found == [
            "id": #""x1""#,
            "properties": #"{"a": [1, 2, {"b": "\u00e9"}], "c": null}"#,
            "n": "-1.5e3",
        ])
    }

    @Test func emptyContainers() throws {
        try scan(" { } ") { (s) throws in
            #expect(try s.beginObject() == false)
            try s.expectEnd()
        }
        try scan("[ ]") { (s) throws in
            #expect(try s.beginArray() == false)
            #expect(s.depth == 0)
        }
    }

    @Test func arraysElementByElement() throws {
        try scan(#"[1, "two", [3]]"#) { (s) throws in
            #expect(try s.beginArray())
            #expect(try s.parseNumber() == 1)
            #expect(try s.nextElement())
            #expect(try s.parseString() == "two")
            #expect(try s.nextElement())
            #expect(try s.parseValue() == .array([.number(3)]))
            #expect(try s.nextElement() == false)
            try s.expectEnd()
        }
    }

    @Test func rawKeysReportEscapes() throws {
        try scan(#"{"plain":1,"t\u0079pe":2}"#) { (s) throws in
            #expect(try s.beginObject())
            let plain = try s.readRawKey()
            #expect(plain.hasEscapes == false)
            #expect(plain.range == 2..<7)
            #expect(s.string(plain) == "plain")
            try s.skipValue()
            #expect(try s.nextMember())
            let escaped = try s.readRawKey()
            #expect(escaped.hasEscapes)
            #expect(s.string(escaped) == "type")
            var out: [UInt8] = []
            s.appendUnescaped(escaped, to: &out)
            #expect(out == Array("type".utf8))
        }
    }

    @Test func skipValidatesLikeParse() throws {
        let bad = [
            #"{"a":[1,2,{"b":"\uZZZZ"}]}"#,
            #"{"a":1e400}"#,
            #"{"a":[1,]}"#,
            #"{"a":01}"#,
            #"{"a":tru}"#,
            #"{"a" 1}"#,
        ]
        for text in bad {
            let skipped: Bool = try scan(text) { (s) throws in
                do throws(RapportError) {
                    try s.skipValue()
                    try s.expectEnd()
                    return true
                } catch {
                    #expect(error.code == .invalidJSON)
                    return false
                }
            }
            #expect(!skipped, "\(text)")
            #expect(jsonError(text) != nil, "\(text)")
        }
    }

    @Test func skipRespectsTheDepthLimitIncludingOpenContainers() throws {
        let inner = String(repeating: "[", count: 127) + String(repeating: "]", count: 127)
        try scan(inner) { s in try s.skipValue() }
        try scan("[" + inner + "]") { s in try s.skipValue() }
        #expect(throws: RapportError.self) {
            try scan("{\"a\":[" + inner + "]}") { s in try s.skipValue() }
        }
    }

    /// Skipping walks containers without recursion for 64 levels, then
    /// recurses; the range, the depth and the errors match parsing.
    @Test(arguments: [1, 63, 64, 65, 100, 128, 129])
    func skipDeepMixedNesting(levels: Int) throws {
        var open = ""
        var close = ""
        for level in 0..<levels {
            if level % 2 == 0 {
                open += #"{"k\#(level)": "#
                close = "}" + close
            } else {
                open += "[1, "
                close = "]" + close
            }
        }
        let text = " " + open + #""leaf""# + close + " "
        if levels > JSONScanner.defaultMaxDepth {
            let error: RapportError? = try scan(text) { (s) throws in
                do throws(RapportError) {
                    try s.skipValue()
                    return nil
                } catch {
                    return error
                }
            }
            #expect(error?.message.hasPrefix("nesting deeper than 128 levels") == true)
            #expect(error == jsonError(text))
            return
        }
        try scan(text) { (s) throws in
            let range = try s.skipValue()
            #expect(range == 1..<(text.utf8.count - 1))
            #expect(s.depth == 0)
            try s.expectEnd()
        }
        #expect(jsonError(text) == nil)
        // Broken at the innermost level: the same error as the parser's.
        let broken = open + #""leaf",]"# + close
        let skipError: RapportError? = try scan(broken) { (s) throws in
            do throws(RapportError) {
                try s.skipValue()
                return nil
            } catch {
                return error
            }
        }
        #expect(skipError != nil)
        #expect(skipError == jsonError(broken))
    }

    @Test func numbersWithTheirExactIntegers() throws {
        let cases: [(String, Double, Int64?)] = [
            ("0", 0, 0), ("-0", 0, 0), ("42", 42, 42), ("-7", -7, -7),
            ("9007199254740991", 9_007_199_254_740_991, 9_007_199_254_740_991),
            ("9007199254740992", 9_007_199_254_740_992, nil),
            ("42.0", 42, nil), ("1e3", 1000, nil), ("1.5", 1.5, nil),
        ]
        for (text, value, integer) in cases {
            let number = try scan(text) { (s) throws in try s.parseNumberAndInteger() }
            #expect(number.value == value, "\(text)")
            #expect(number.integer == integer, "\(text)")
        }
        #expect(throws: RapportError.self) { try scan("1e400") { (s) throws in try s.parseNumberAndInteger() } }
        #expect(throws: RapportError.self) { try scan("01") { (s) throws in try s.parseNumberAndInteger() } }
    }

    @Test func consumeNullAndPeek() throws {
        try scan("  null ,") { (s) throws in
            #expect(s.peek() == UInt8(ascii: "n"))
            #expect(try s.consumeNull())
            #expect(try s.consumeNull() == false)
            #expect(s.peek() == UInt8(ascii: ","))
        }
        try scan("nope") { (s) throws in
            #expect(throws: RapportError.self) { try s.consumeNull() }
        }
    }

    @Test func typeMismatchErrors() throws {
        try scan(#""text""#) { (s) throws in
            #expect(throws: RapportError.self) { try s.beginObject() }
            #expect(throws: RapportError.self) { try s.parseNumber() }
        }
        try scan("12") { (s) throws in
            #expect(throws: RapportError.self) { try s.parseString() }
            #expect(throws: RapportError.self) { try s.parseBool() }
        }
    }

    @Test func startingPositionAndErrorOffsetsAreAbsolute() throws {
        try scan(#"ignored {"a": [1,,2]}"#) { (s) throws in
            s.position = 8
            do throws(RapportError) {
                _ = try s.parseValue()
                Issue.record("expected an error")
            } catch {
                #expect(error.message == "expected a value but found ',' at byte 17")
            }
        }
    }
}
