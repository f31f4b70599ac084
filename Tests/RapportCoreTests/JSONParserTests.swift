import RapportCore
import Testing

/// The error `JSONValue.parse` throws for `text`, or `nil` if it parses.
func jsonError(_ text: String) -> RapportError? {
    jsonError(bytes: Array(text.utf8))
}

func jsonError(bytes: [UInt8]) -> RapportError? {
    do {
        _ = try JSONValue.parse(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONParserTests {
    // MARK: Literals and structure

    @Test func literalsAndWhitespace() throws {
        #expect(try JSONValue.parse(" \t\n\r null \n") == .null)
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{}") == .object([:]))
        #expect(try JSONValue.parse(" [ 1 , [ ] , { } ] ") == .array([.number(1), .array([]), .object([:])]))
    }

    @Test func nestedObject() throws {
        let value = try JSONValue.parse(#"{"a": {"b": [1, "two", null, false]}, "c": 3.5}"#)
        #expect(value == .object([
            "a": .object(["b": .array([.number(1), .string("two"), .null, .bool(false)])]),
            "c": .number(3.5),
        ]))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == .object(["a": .number(2)]))
    }

    @Test func byteOrderMarkIsIgnoredAtTheStart() throws {
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
        #expect(jsonError(bytes: Array("[1]".utf8) + [0xEF, 0xBB, 0xBF]) != nil)
    }

    @Test func entryPointsAgree() throws {
        let text = #"{"k":["v",1]}"#
        let expected = try JSONValue.parse(text)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try JSONValue.parse(ArraySlice(Array(text.utf8))) == expected)
        #expect(try JSONValue.parse(text.utf8) == expected)
        #expect(try JSONValue.parse(Substring(text).utf8) == expected)
        #expect(try JSONValue.parse(ContiguousArray(text.utf8)) == expected)
    }

    @Test func sliceOffsetsCountFromTheSliceStart() {
        let bytes = Array("xxxx[1,]".utf8)
        do {
            _ = try JSONValue.parse(bytes[4...])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasSuffix("at byte 3"))
        }
    }

    // MARK: Strings

    @Test func allEscapes() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try JSONValue.parse(#""a\u0041\u00e9\u00E9z""#) == .string("aAééz"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONValue.parse(#""\u001f""#) == .string("\u{1F}"))
    }

    @Test func unicode() throws {
        #expect(try JSONValue.parse(#""中文""#) == .string("中文"))
        #expect(try JSONValue.parse(#""\u4e2d\u6587""#) == .string("中文"))
        #expect(try JSONValue.parse(#""😀""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\uD83D\uDE00!""#) == .string("😀!"))
        #expect(try JSONValue.parse(#""\uD834\uDD1E""#) == .string("𝄞"))
        #expect(try JSONValue.parse(#""Ünïcödé ✓""#) == .string("Ünïcödé ✓"))
        #expect(try JSONValue.parse(#"{"中":"文"}"#) == .object(["中": .string("文")]))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONValue.parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try JSONValue.parse(#""\ude00""#) == .string("\u{FFFD}"))
        #expect(try JSONValue.parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue.parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue.parse(#""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
        #expect(try JSONValue.parse(#""\ude00\ud83d""#) == .string("\u{FFFD}\u{FFFD}"))
    }

    @Test func longStringsWithMixedContent() throws {
        let piece = "plain ascii 中文 😀 \" \\ \n tab\t "
        let long = String(repeating: piece, count: 500)
        let encoded = JSONValue.string(long).serialized()
        #expect(try JSONValue.parse(encoded) == .string(long))
    }

    // MARK: Numbers

    @Test func integers() throws {
        #expect(try JSONValue.parse("0") == .number(0))
        #expect(try JSONValue.parse("42") == .number(42))
        #expect(try JSONValue.parse("-17") == .number(-17))
        #expect(try JSONValue.parse("9007199254740992") == .number(9_007_199_254_740_992))
        #expect(try JSONValue.parse("9007199254740993") == .number(9_007_199_254_740_992))  // rounds to even
        #expect(try JSONValue.parse("18446744073709551616") == .number(18_446_744_073_709_551_616.0))
        #expect(try JSONValue.parse("12345678901234567890123") == .number(1.2345678901234568e22))
    }

    @Test func negativeZero() throws {
        let value = try JSONValue.parse("-0")
        let d = try #require(value.doubleValue)
        #expect(d == 0)
        #expect(d.sign == .minus)
        let positive = try #require(try JSONValue.parse("0.0").doubleValue)
        #expect(positive.sign == .plus)
        #expect(try #require(try JSONValue.parse("-0.0e5").doubleValue).sign == .minus)
    }

    @Test func fractionsAndExponents() throws {
        #expect(try JSONValue.parse("3.25") == .number(3.25))
        #expect(try JSONValue.parse("0.1") == .number(0.1))
        #expect(try JSONValue.parse("1e3") == .number(1000))
        #expect(try JSONValue.parse("1E+3") == .number(1000))
        #expect(try JSONValue.parse("2.5e-3") == .number(0.0025))
        #expect(try JSONValue.parse("-1.5E2") == .number(-150))
        #expect(try JSONValue.parse("0e999999999999") == .number(0))
        #expect(try JSONValue.parse("1e-400") == .number(0))
        #expect(try JSONValue.parse("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
        #expect(try JSONValue.parse("5e-324") == .number(.leastNonzeroMagnitude))
        #expect(try JSONValue.parse("0.000001234") == .number(0.000001234))
        #expect(try JSONValue.parse("123456789.123456789") == .number(123_456_789.123456789))
    }

    @Test func hugeNumbersAreErrors() {
        for text in ["1e400", "-1e400", "1e999999999999999999999", "1.8e308",
                     String(repeating: "9", count: 400)] {
            let error = jsonError(text)
            #expect(error?.code == .invalidJSON, "\(text.prefix(20))")
            #expect(error?.message.contains("out of range") == true)
        }
    }

    @Test func numbersMatchTheStandardLibrary() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            var text = rng.next() % 2 == 0 ? "-" : ""
            let intDigits = Int(rng.next() % 20) + 1
            for k in 0..<intDigits {
                let d = k == 0 && intDigits > 1 ? 1 + rng.next() % 9 : rng.next() % 10
                text += String(d)
            }
            if rng.next() % 2 == 0 {
                text += "."
                for _ in 0..<(Int(rng.next() % 20) + 1) { text += String(rng.next() % 10) }
            }
            if rng.next() % 3 == 0 {
                text += "e" + (rng.next() % 2 == 0 ? "-" : "") + String(rng.next() % 280)
            }
            let expected = try #require(Double(text))
            let parsed = try JSONValue.parse(text)
            #expect(parsed == .number(expected), "\(text)")
        }
    }

    // MARK: Errors with positions

    @Test(arguments: [
        ("", "at byte 0"),
        ("   ", "at byte 3"),
        ("[1,]", "at byte 3"),
        ("[1 2]", "at byte 3"),
        (#"{"a" 1}"#, "at byte 5"),
        (#"{"a":1,}"#, "at byte 7"),
        (#"{"a":1"#, "at byte 6"),
        ("{1:2}", "at byte 1"),
        ("{'a':1}", "at byte 1"),
        (#""abc"#, "at byte 0"),
        (#""\x""#, "at byte 1"),
        (#""\u12G4""#, "at byte 1"),
        (#""\u12""#, "at byte 1"),
        ("1 2", "at byte 2"),
        ("{} x", "at byte 3"),
        ("tru", "at byte 0"),
        ("nul", "at byte 0"),
        ("True", "at byte 0"),
        ("01", "at byte 0"),
        ("-", "at byte 1"),
        ("1.", "at byte 2"),
        (".5", "at byte 0"),
        ("+1", "at byte 0"),
        ("1e", "at byte 2"),
        ("1e+", "at byte 3"),
        ("-a", "at byte 1"),
        ("NaN", "at byte 0"),
        ("Infinity", "at byte 0"),
        ("0x10", "at byte 1"),
        ("[1,2", "at byte 4"),
        ("]", "at byte 0"),
    ])
    func errorsReportTheirPosition(text: String, position: String) {
        let error = jsonError(text)
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.hasSuffix(position) == true, "\(text): \(error?.message ?? "no error")")
    }

    @Test func rawControlCharactersInStrings() {
        let error = jsonError(bytes: [0x22, 0x61, 0x01, 0x22])
        #expect(error?.message == "unescaped control character in string at byte 2")
        #expect(jsonError(bytes: [0x22, 0x0A, 0x22]) != nil)
        #expect(jsonError(bytes: [0x22, 0x7F, 0x22]) == nil)  // DEL is allowed
    }

    @Test(arguments: [
        [0x22, 0x61, 0xFF, 0x22],  // never valid
        [0x22, 0x61, 0xC0, 0x80, 0x22],  // overlong NUL
        [0x22, 0x61, 0xE0, 0x80, 0x80, 0x22],  // overlong 3-byte
        [0x22, 0x61, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0x61, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0x61, 0xF5, 0x80, 0x80, 0x80, 0x22],
        [0x22, 0x61, 0xE4, 0xB8, 0x22],  // truncated 中
        [0x22, 0x61, 0x80, 0x22],  // stray continuation
        [0x22, 0x61, 0xC3],  // truncated at end of input
    ] as [[UInt8]])
    func invalidUTF8IsAnError(bytes: [UInt8]) {
        let error = jsonError(bytes: bytes)
        #expect(error?.code == .invalidJSON)
        #expect(error?.message == "invalid UTF-8 in string at byte 2", "\(error?.message ?? "no error")")
    }

    /// Runs of multi-byte text are validated sequence by sequence, also after
    /// a valid one (the error names the bad sequence's first byte).
    @Test(arguments: [
        [0x22, 0xE4, 0xB8, 0xAD, 0xE4, 0xB8, 0x28, 0x22],  // 中 then a bad continuation
        [0x22, 0xE4, 0xB8, 0xAD, 0xED, 0xA0, 0x80, 0x22],  // 中 then an encoded surrogate
        [0x22, 0xE4, 0xB8, 0xAD, 0xE0, 0x80, 0x80, 0x22],  // 中 then an overlong form
        [0x22, 0xE4, 0xB8, 0xAD, 0x80, 0x22],  // 中 then a stray continuation
        [0x22, 0xE4, 0xB8, 0xAD, 0xEF, 0xBF],  // 中 then a truncated sequence at the end
        [0x22, 0xE4, 0xB8, 0xAD, 0xF4, 0x90, 0x80, 0x80, 0x22],  // 中 then above U+10FFFF
    ] as [[UInt8]])
    func invalidUTF8AfterValidMultibyteText(bytes: [UInt8]) {
        let error = jsonError(bytes: bytes)
        #expect(error?.message == "invalid UTF-8 in string at byte 4", "\(error?.message ?? "no error")")
    }

    @Test func multibyteRunsDecode() throws {
        let text = "\"中文 éü 😀ｘ\u{FFFD}\u{E000}한국어\""
        #expect(try JSONValue.parse(text) == .string("中文 éü 😀ｘ\u{FFFD}\u{E000}한국어"))
    }

    @Test func invalidUTF8OutsideStrings() {
        #expect(jsonError(bytes: [0x5B, 0xE4, 0xB8, 0xAD, 0x5D])?.message.hasSuffix("at byte 1") == true)
    }

    // MARK: Depth

    @Test func nestingUpToTheLimitParses() throws {
        let text = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try JSONValue.parse(text) != .null)
        let objects = String(repeating: #"{"a":"#, count: 128) + "1" + String(repeating: "}", count: 128)
        #expect(try JSONValue.parse(objects) != .null)
    }

    @Test func nestingBeyondTheLimitIsAnError() {
        let text = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        let error = jsonError(text)
        #expect(error?.message == "nesting deeper than 128 levels at byte 128")
    }

    @Test func depthBombReturnsAnError() {
        let bomb = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(jsonError(bytes: bomb)?.code == .invalidJSON)
        let objectBomb = Array(String(repeating: #"{"a":"#, count: 100_000).utf8)
        #expect(jsonError(bytes: objectBomb)?.code == .invalidJSON)
        let closed = bomb + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(jsonError(bytes: closed)?.message.contains("nesting") == true)
    }

    @Test func customDepthLimit() throws {
        let text = Array("[[[1]]]".utf8)
        try text.withUnsafeBufferPointer { (buffer) throws in
            #expect(throws: RapportError.self) { try JSONValue.parse(buffer, maxDepth: 2) }
            #expect(try JSONValue.parse(buffer, maxDepth: 3) == .array([.array([.array([.number(1)])])]))
        }
    }

    // MARK: Round trips

    @Test func roundTripThroughTheWriter() throws {
        let value = JSONValue.object([
            "string": .string("quote \" backslash \\ newline \n tab \t nul \u{0} 中文 😀"),
            "numbers": .array([.number(0), .number(-1), .number(3.25), .number(1e21), .number(-2.5e-8),
                               .number(9_007_199_254_740_991), .number(0.1)]),
            "bools": .array([.bool(true), .bool(false), .null]),
            "nested": .object(["empty": .object([:]), "list": .array([]), "": .string("")]),
        ])
        let bytes = value.serialized()
        let parsed = try JSONValue.parse(bytes)
        #expect(parsed == value)
        #expect(parsed.serialized() == bytes)
    }

    @Test func parseThenSerializeIsStable() throws {
        let text = #"{ "b" : [1, 2.50, "x\u0041"], "a" : {"z": null, "y": true} }"#
        let once = try JSONValue.parse(text).serialized()
        #expect(String(decoding: once, as: UTF8.self) == #"{"a":{"y":true,"z":null},"b":[1,2.5,"xA"]}"#)
        #expect(try JSONValue.parse(once).serialized() == once)
    }
}

/// A small seeded generator, so fuzz runs are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
