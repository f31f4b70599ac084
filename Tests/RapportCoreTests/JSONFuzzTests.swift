import RapportCore
import Testing

@Suite struct JSONFuzzTests {
    /// The error the scanner's validating skip finds in `bytes` as one JSON
    /// text, or `nil` if it accepts them.
    func skipError(_ bytes: [UInt8]) -> RapportError? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            scanner.skipByteOrderMark()
            do throws(RapportError) {
                try scanner.skipValue()
                try scanner.expectEnd()
                return nil
            } catch {
                return error
            }
        }
    }

    /// Parses `bytes`, checks skip agrees (with the same error), and that a
    /// parsed value survives a round trip through the writer.
    func check(_ bytes: [UInt8]) {
        let parsed: JSONValue?
        var parseError: RapportError?
        do {
            parsed = try JSONValue.parse(bytes)
        } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.message.contains("at byte "))
            parsed = nil
            parseError = error
        }
        #expect(skipError(bytes) == parseError, "\(bytes)")
        if let parsed {
            #expect((try? JSONValue.parse(parsed.serialized())) == parsed)
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet = Array(#"{}[]:,"\\/ \n\t0123456789-+.eEtruefalsnl"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xA9, 0xED, 0xF0, 0xFF]
        for _ in 0..<4000 {
            let length = Int(rng.next() % 48)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                if rng.next() % 8 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                } else {
                    bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
                }
            }
            check(bytes)
        }
    }

    @Test func mutatedDocumentsNeverTrap() {
        let seeds = [
            #"{"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":12.5,"items":[{"id":"p1","qty":2}],"name":"中文 😀 \u00e9 \ud83d\ude00"},"context":{"ip":"1.2.3.4"},"timestamp":"2024-05-01T10:20:30.123Z"}"#,
            #"[1, -0, 2.5e-3, 1E+2, true, false, null, "a\"b\\c\/d\b\f\n\r\t", [], {}, [[[]]]]"#,
        ]
        var rng = SplitMix64(seed: 7)
        for seed in seeds {
            let original = Array(seed.utf8)
            check(original)
            for _ in 0..<2000 {
                var bytes = original
                switch rng.next() % 4 {
                case 0:  // flip a byte
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1:  // truncate
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
                case 2:  // delete a byte
                    bytes.remove(at: Int(rng.next() % UInt64(bytes.count)))
                default:  // duplicate a slice
                    let i = Int(rng.next() % UInt64(bytes.count))
                    let j = min(bytes.count, i + Int(rng.next() % 8))
                    bytes.insert(contentsOf: bytes[i..<j], at: i)
                }
                check(bytes)
            }
        }
    }
}
