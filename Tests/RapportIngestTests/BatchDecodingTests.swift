import RapportCore
import RapportIngest
import Testing

@Suite struct BatchDecodingTests {
    /// What analytics-python 2.x sends to /v1/batch: `timestamp` (no
    /// `originalTimestamp`), `messageId`, `context.library`, `integrations`,
    /// `anonymousId: null`, and a batch-level `sentAt` after the batch.
    static let analyticsPython = """
        {"batch": [{"properties": {"plan": "Pro", "revenue": 49.5, "items": [{"sku": "A-1", "qty": 2}]}, \
        "timestamp": "2024-05-01T09:59:58.123456+00:00", "context": {"library": {"name": "analytics-python", \
        "version": "2.3.2"}}, "integrations": {}, "type": "track", "userId": "user-42", "anonymousId": null, \
        "event": "Order Completed", "messageId": "9a6c4c0a-7f0e-4a53-8a77-2b1c0fa5b7a1"}, \
        {"traits": {"email": "ada@example.com", "name": "Ada Lovelace"}, "timestamp": \
        "2024-05-01T09:59:59.000001+00:00", "context": {"library": {"name": "analytics-python", \
        "version": "2.3.2"}}, "integrations": {}, "type": "identify", "userId": "user-42", \
        "anonymousId": null, "messageId": "0d1e9f4b-33a0-4b7b-9a38-1c7f2f6f2a10"}], \
        "sentAt": "2024-05-01T10:00:00.045678+00:00", "writeKey": "wk_python"}
        """

    /// What rudder-sdk-python sends: `originalTimestamp` and `sentAt` on each
    /// message, `channel`, `rudderId`, `integrations: {"All": true}`.
    static let rudderPython = """
        {"batch":[{"userId":"u-7","anonymousId":"anon-7","event":"Product Viewed",\
        "properties":{"product_id":"p-1","price":12.5},"context":{"library":{"name":"analytics-python",\
        "version":"2.0.2"},"traits":{"plan":"free"}},"integrations":{"All":true},"type":"track",\
        "messageId":"3b7c7d5e-5a6b-4c1d-8e2f-9a0b1c2d3e4f","originalTimestamp":"2024-05-01T10:00:00.000Z",\
        "sentAt":"2024-05-01T10:00:05.000Z","channel":"server","rudderId":"f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f"},\
        {"userId":"u-7","type":"page","name":"Pricing","properties":{"path":"/pricing"},\
        "originalTimestamp":"2024-05-01T10:00:01.500Z","channel":"server","messageId":"m-page"}],\
        "sentAt":"2024-05-01T10:00:10.000Z"}
        """

    @Test func messagesShareTheRequestsBytesAndReadAsTheirOwn() throws {
        let text = Self.rudderPython
        let request = try decodeBatch(text)
        try #require(request.accepted.count == 2)
        let bytes = Array(text.utf8)
        for (message, starting) in zip(request.accepted, [#"{"userId":"u-7","anonymousId""#, #"{"userId":"u-7","type":"page""#]) {
            let body = message.body
            #expect(body.count == message.bodyCount)
            #expect(message.withBody { Array($0) } == body)
            #expect(body.first == UInt8(ascii: "{") && body.last == UInt8(ascii: "}"))
            #expect(String(decoding: body, as: UTF8.self).hasPrefix(starting))
            // The body is exactly the message's bytes in the request, and parses on its own.
            let start = try #require((0...(bytes.count - body.count)).first { bytes[$0..<($0 + body.count)].elementsEqual(body) })
            #expect(start > 0 && start + body.count < bytes.count)
            #expect(try JSONValue.parse(body).objectValue?["userId"] == .string("u-7"))
        }
        #expect(try request.accepted[0].properties()["price"] == .number(12.5))
        #expect(try request.accepted[1].properties()["path"] == .string("/pricing"))
        // Setting a body replaces the shared bytes for this message only.
        var changed = request.accepted[0]
        changed.body = Array(#"{"type":"track"}"#.utf8)
        #expect(changed.bodyCount == 16 && changed.withBody { Array($0) } == changed.body)
        #expect(request.accepted[0].bodyCount > 16)
    }

    @Test func analyticsPythonBatch() throws {
        let request = try decodeBatch(Self.analyticsPython)
        #expect(request.writeKey == "wk_python")
        #expect(request.rejected.isEmpty)
        try #require(request.accepted.count == 2)

        let track = request.accepted[0]
        #expect(track.type == .track)
        #expect(track.messageId == "9a6c4c0a-7f0e-4a53-8a77-2b1c0fa5b7a1")
        #expect(track.userId == "user-42")
        #expect(track.anonymousId == nil)
        #expect(track.event == "Order Completed")
        #expect(track.displayName == "Order Completed")
        // `timestamp` without `originalTimestamp`: taken as sent.
        #expect(track.timestamp == ms("2024-05-01T09:59:58.123Z"))
        #expect(track.clientTimestamp == ms("2024-05-01T09:59:58.123Z"))
        #expect(track.receivedAt == receivedAt)
        // `context.library` is validated but not decoded (see MessageDecoder.decodedContextMembers);
        // it stays in the body.
        #expect(track.context.isEmpty)
        #expect(String(decoding: track.body, as: UTF8.self).contains(
            #""context": {"library": {"name": "analytics-python", "version": "2.3.2"}}"#))
        #expect(track.traits.isEmpty)
        #expect(propertiesText(track) == #"{"plan": "Pro", "revenue": 49.5, "items": [{"sku": "A-1", "qty": 2}]}"#)
        #expect(try track.properties()["revenue"] == .number(49.5))

        let identify = request.accepted[1]
        #expect(identify.type == .identify)
        #expect(identify.traits == ["email": .string("ada@example.com"), "name": .string("Ada Lovelace")])
        #expect(identify.event == nil)
        #expect(identify.propertiesRange == nil)
        #expect(identify.timestamp == ms("2024-05-01T09:59:59.000Z"))
    }

    @Test func rudderStackPythonBatchCorrectsClockSkew() throws {
        let request = try decodeBatch(Self.rudderPython)
        #expect(request.rejected.isEmpty)
        try #require(request.accepted.count == 2)

        let track = request.accepted[0]
        // Device clock: sent 5 s after the event; received at 10:00:20 → 10:00:15.
        #expect(track.timestamp == ms("2024-05-01T10:00:15.000Z"))
        #expect(track.clientTimestamp == ms("2024-05-01T10:00:00.000Z"))
        #expect(track.anonymousId == "anon-7")
        #expect(track.traits == ["plan": .string("free")])  // context.traits for track
        #expect(String(decoding: track.body, as: UTF8.self).contains(#""rudderId":"f0e1d2c3"#))
        #expect(String(decoding: track.body, as: UTF8.self).contains(#""integrations":{"All":true}"#))

        let page = request.accepted[1]
        // No message-level sentAt: the batch's (10:00:10) applies; 8.5 s delay.
        #expect(page.timestamp == ms("2024-05-01T10:00:11.500Z"))
        #expect(page.event == "Pricing")
        #expect(page.displayName == "page")
        #expect(page.anonymousId == nil)
    }

    @Test func bodyIsTheExactMessageBytes() throws {
        let first = #"{ "type" : "track", "userId":"u", "event" : "E", "properties" : { "a" : [1, 2] } }"#
        let second = #"{"type":"identify","anonymousId":"a"}"#
        let text = "{\"batch\" : [ \(first) ,\n\t\(second) ] }"
        let request = try decodeBatch(text)
        try #require(request.accepted.count == 2)
        #expect(request.accepted[0].body == Array(first.utf8))
        #expect(request.accepted[1].body == Array(second.utf8))
        #expect(propertiesText(request.accepted[0]) == #"{ "a" : [1, 2] }"#)
        #expect(try request.accepted[0].properties() == ["a": .array([.number(1), .number(2)])])
    }

    @Test func mixedBatchKeepsValidMessagesAndIndexesRejectedOnes() throws {
        let text = """
            {"batch":[
              {"type":"track","userId":"u1","event":"A","messageId":"m1"},
              {"messageId":"m2","type":"track","userId":"u1"},
              {"type":"identify","userId":"u1","messageId":"m3"},
              {"type":"purchase","userId":"u1"},
              {"type":"page","anonymousId":"a1","messageId":"m5"},
              17,
              {"type":"alias","userId":"u1","messageId":42}
            ]}
            """
        let request = try decodeBatch(text)
        #expect(request.accepted.map(\.messageId) == ["m1", "m3", "m5"])
        #expect(request.rejected.map(\.index) == [1, 3, 5, 6])
        #expect(request.rejected.map(\.messageId) == ["m2", nil, nil, "42"])
        #expect(request.rejected.map(\.error.code) == [.missingEvent, .invalidType, .invalidMessage, .missingPreviousId])
    }

    @Test func batchLevelContextLiesUnderTheMessageContext() throws {
        let text = """
            {"context":{"campaign":{"name":"batch-campaign"},"channel":"server","ip":"1.2.3.4","traits":{"tier":"gold"}},
             "batch":[{"type":"track","userId":"u","event":"E","context":{"campaign":{"name":"own"},"library":{"name":"own-lib"}}},
                      {"type":"track","userId":"u","event":"F"}]}
            """
        let request = try decodeBatch(text)
        try #require(request.accepted.count == 2)
        // The selected members merge (the message's win); `ip` and `library` are not decoded.
        #expect(request.accepted[0].context == [
            "campaign": .object(["name": .string("own")]),
            "channel": .string("server"),
            "traits": .object(["tier": .string("gold")]),
        ])
        #expect(request.accepted[0].traits == ["tier": .string("gold")])
        #expect(request.accepted[1].context["campaign"] == .object(["name": .string("batch-campaign")]))
        #expect(request.accepted[1].context["ip"] == nil)
    }

    @Test func emptyBatchIsFine() throws {
        let request = try decodeBatch(#"{"batch":[]}"#)
        #expect(request.accepted.isEmpty && request.rejected.isEmpty && request.writeKey == nil)
    }

    @Test func byteOrderMarkAndWhitespaceAroundTheBody() throws {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\n {\"batch\":[{\"type\":\"identify\",\"userId\":\"u\"}]} \n".utf8)
        let request = try MessageDecoder().decode(body: body, endpoint: .batch, receivedAt: receivedAt)
        #expect(request.accepted.count == 1)
    }

    // MARK: Request-level errors

    @Test(arguments: [
        ("", RapportError.Code.invalidJSON),
        ("not json", .invalidJSON),
        (#"{"batch":["#, .invalidJSON),
        (#"{"batch":[]} x"#, .invalidJSON),
        (#"{"batch":[{"type":"track","userId":tru}]}"#, .invalidJSON),
        (#"{"batch":[{"type":"track","n":1e400}]}"#, .invalidJSON),
        (#"[{"type":"track","userId":"u","event":"E"}]"#, .invalidMessage),
        (#""batch""#, .invalidMessage),
        ("{}", .invalidMessage),
        (#"{"sentAt":"2024-05-01T10:00:00Z"}"#, .invalidMessage),
        (#"{"batch":{}}"#, .invalidMessage),
        (#"{"batch":null}"#, .invalidMessage),
        (#"{"batch":[],"context":5}"#, .invalidMessage),
        (#"{"batch":[],"context":{"page":{"url":"x",}}}"#, .invalidJSON),
        (#"{"batch":[{"type":"track","userId":"u","event":"E","context":{"page":{"url":"x",}}}]}"#, .invalidJSON),
        (#"{"batch":[{"type":"track","userId":"u","event":"E","context":{"library":{"n":1e400}}}]}"#, .invalidJSON),
        (#"{"batch":[],"sentAt":"yesterday"}"#, .invalidTimestamp),
        (#"{"batch":[],"sentAt":1714557620000}"#, .invalidTimestamp),
    ])
    func requestLevelErrors(text: String, code: RapportError.Code) {
        #expect(requestError(text)?.code == code, "\(text)")
    }

    @Test func invalidJSONErrorsGiveTheBytePosition() {
        let error = requestError(#"{"batch":[{"a":1,}]}"#)
        #expect(error?.message == "expected a string key but found '}' at byte 17")
    }

    @Test func batchLevelNullsAndUnknownMembersAreIgnored() throws {
        let request = try decodeBatch(#"{"sentAt":null,"context":null,"writeKey":5,"extra":{"x":[1]},"batch":[]}"#)
        #expect(request.writeKey == nil)
    }

    // MARK: Limits

    /// A track message of exactly `size` bytes, padded in its properties.
    func message(ofSize size: Int, id: String) -> String {
        let head = #"{"type":"track","userId":"u","event":"E","messageId":"\#(id)","properties":{"pad":""#
        let tail = "\"}}"
        return head + String(repeating: "x", count: size - head.utf8.count - tail.utf8.count) + tail
    }

    @Test func messageSizeLimit() throws {
        let atLimit = message(ofSize: 32 * 1024, id: "fits")
        let overLimit = message(ofSize: 32 * 1024 + 1, id: "too-big")
        #expect(atLimit.utf8.count == 32_768)
        #expect(overLimit.utf8.count == 32_769)
        let request = try decodeBatch("{\"batch\":[\(atLimit),\(overLimit)]}")
        #expect(request.accepted.map(\.messageId) == ["fits"])
        #expect(request.rejected == [
            Rejection(index: 1, messageId: "too-big",
                      error: RapportError(.messageTooLarge, "message is 32769 bytes; the limit is 32768")),
        ])
        #expect(throws: RapportError(.messageTooLarge, "message is 32769 bytes; the limit is 32768")) {
            try decodeSingle(overLimit, .track)
        }
        #expect(try decodeSingle(atLimit, .track).messageId == "fits")
    }

    @Test func batchMessageCountLimit() throws {
        let one = #"{"type":"track","userId":"u","event":"E"}"#
        let full = "{\"batch\":[" + Array(repeating: one, count: 2500).joined(separator: ",") + "]}"
        #expect(try decodeBatch(full).accepted.count == 2500)
        let over = "{\"batch\":[" + Array(repeating: one, count: 2501).joined(separator: ",") + "]}"
        #expect(requestError(over)?.code == .batchTooLarge)
    }

    @Test func requestSizeLimit() throws {
        let core = #"{"batch":[{"type":"track","userId":"u","event":"E"}]}"#
        let exact = core + String(repeating: " ", count: 500 * 1024 - core.utf8.count)
        #expect(exact.utf8.count == 512_000)
        #expect(try decodeBatch(exact).accepted.count == 1)
        let over = exact + " "
        #expect(requestError(over)?.code == .requestTooLarge)
        #expect(requestError(over, .single(.track))?.code == .requestTooLarge)
    }

    @Test func customLimits() {
        let decoder = MessageDecoder(limits: IngestLimits(maxMessageBytes: 64, maxRequestBytes: 1000, maxBatchMessages: 2))
        let one = #"{"type":"track","userId":"u","event":"E"}"#
        #expect(requestError(Array("{\"batch\":[\(one),\(one),\(one)]}".utf8), .batch, decoder: decoder)?.code == .batchTooLarge)
        let long = #"{"type":"track","userId":"u","event":"E","properties":{"k":"0123456789012345678901234567890"}}"#
        let result = try? decodeBatch("{\"batch\":[\(one),\(long)]}", decoder: decoder)
        #expect(result?.accepted.count == 1)
        #expect(result?.rejected.first?.error.code == .messageTooLarge)
        #expect(requestError(Array(repeating: 0x20, count: 1001), .batch, decoder: decoder)?.code == .requestTooLarge)
    }

    @Test func limitDefaults() {
        let limits = IngestLimits()
        #expect(limits.maxMessageBytes == 32 * 1024)
        #expect(limits.maxRequestBytes == 500 * 1024)
        #expect(limits.maxBatchMessages == 2500)
    }
}
