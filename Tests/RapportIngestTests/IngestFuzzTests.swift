import RapportCore
import RapportIngest
import Testing

@Suite struct IngestFuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func mutatedRequestsNeverTrap() {
        let original = Array(BatchDecodingTests.rudderPython.utf8)
        let decoder = MessageDecoder()
        var rng = Generator(state: 2024)
        var outcomes: [String: Int] = [:]
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(Array(#"{}[]",:0"#.utf8)[Int(rng.next() % 8)], at: i)
                }
            }
            for endpoint in [IngestEndpoint.batch, .single(.track)] {
                do {
                    let request = try decoder.decode(body: bytes, endpoint: endpoint, receivedAt: receivedAt)
                    for message in request.accepted {
                        // Whatever was accepted has decodable properties and a valid body.
                        #expect((try? message.properties()) != nil)
                        #expect((try? JSONValue.parse(message.body)) != nil)
                    }
                    outcomes["ok", default: 0] += 1
                } catch {
                    outcomes[error.code.rawValue, default: 0] += 1
                }
            }
        }
        // The mutations exercise both successes and failures.
        #expect((outcomes["ok"] ?? 0) > 0)
        #expect((outcomes["invalid_json"] ?? 0) > 0)
    }

    @Test func deepPropertiesAreAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        let body = #"{"batch":[{"type":"track","userId":"u","event":"E","properties":{"a":"# + deep + "}}]}"
        #expect(requestError(body)?.code == .invalidJSON)
    }
}
