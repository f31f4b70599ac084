import RapportCore
import RapportIngest
import Testing

@Suite struct MessageDecodingTests {
    /// Decodes `message` alone in a batch and returns its rejection code.
    func rejection(_ message: String) throws -> RapportError.Code? {
        let request = try decodeBatch("{\"batch\":[\(message)]}")
        #expect(request.accepted.count + request.rejected.count == 1)
        return request.rejected.first?.error.code
    }

    // MARK: Rejections

    @Test(arguments: [
        ("42", RapportError.Code.invalidMessage),
        (#""track""#, .invalidMessage),
        ("[]", .invalidMessage),
        ("null", .invalidMessage),
        (#"{"userId":"u","event":"E"}"#, .invalidType),
        ("{}", .invalidType),
        (#"{"type":null,"userId":"u","event":"E"}"#, .invalidType),
        (#"{"type":"purchase","userId":"u"}"#, .invalidType),
        (#"{"type":"Track","userId":"u","event":"E"}"#, .invalidType),
        (#"{"type":7,"userId":"u"}"#, .invalidType),
        (#"{"type":"track","event":"E"}"#, .missingIdentity),
        (#"{"type":"track","event":"E","userId":"","anonymousId":"  "}"#, .missingIdentity),
        (#"{"type":"track","event":"E","userId":null,"anonymousId":true}"#, .missingIdentity),
        (#"{"type":"identify","userId":{"id":1}}"#, .missingIdentity),
        (#"{"type":"track","userId":"u"}"#, .missingEvent),
        (#"{"type":"track","userId":"u","event":""}"#, .missingEvent),
        (#"{"type":"track","userId":"u","event":"   "}"#, .missingEvent),
        (#"{"type":"track","userId":"u","event":12}"#, .missingEvent),
        (#"{"type":"track","userId":"u","name":"E"}"#, .missingEvent),
        (#"{"type":"alias","userId":"u"}"#, .missingPreviousId),
        (#"{"type":"alias","userId":"u","previousId":""}"#, .missingPreviousId),
        (#"{"type":"group","userId":"u"}"#, .missingGroupId),
        (#"{"type":"group","userId":"u","groupId":null}"#, .missingGroupId),
        (#"{"type":"track","userId":"u","event":"E","timestamp":"yesterday"}"#, .invalidTimestamp),
        (#"{"type":"track","userId":"u","event":"E","timestamp":1714557620000}"#, .invalidTimestamp),
        (#"{"type":"track","userId":"u","event":"E","timestamp":"2023-02-29T10:00:00Z"}"#, .invalidTimestamp),
        (#"{"type":"track","userId":"u","event":"E","originalTimestamp":"2024-13-01"}"#, .invalidTimestamp),
        (#"{"type":"track","userId":"u","event":"E","sentAt":true}"#, .invalidTimestamp),
        (#"{"type":"track","userId":"u","event":"E","properties":[1,2]}"#, .invalidMessage),
        (#"{"type":"track","userId":"u","event":"E","properties":"x"}"#, .invalidMessage),
        (#"{"type":"track","userId":"u","event":"E","context":"web"}"#, .invalidMessage),
        (#"{"type":"identify","userId":"u","traits":3}"#, .invalidMessage),
        // NUL is no text a person wrote (and PostgreSQL's text cannot hold it).
        (#"{"type":"track","userId":"u","event":"E\u0000","messageId":"m"}"#, .invalidMessage),
        (#"{"type":"track","userId":"u","event":"E","messageId":"m\u0000"}"#, .invalidMessage),
        (#"{"type":"page","userId":"u","name":"\u0000home"}"#, .invalidMessage),
    ])
    func everyRejectionCode(message: String, code: RapportError.Code) throws {
        #expect(try rejection(message) == code, "\(message)")
    }

    @Test func singleEndpointsThrowTheMessageError() {
        #expect(requestError(#"{"type":"track","event":"E"}"#, .single(.track))?.code == .missingIdentity)
        #expect(requestError(#"{"userId":"u"}"#, .single(.track))?.code == .missingEvent)
        #expect(requestError(#"{"userId":"u"}"#, .single(.alias))?.code == .missingPreviousId)
        #expect(requestError(#"{"userId":"u"}"#, .single(.group))?.code == .missingGroupId)
        #expect(requestError(#"{"userId":"u","timestamp":"x"}"#, .single(.identify))?.code == .invalidTimestamp)
        #expect(requestError(#"[{"userId":"u"}]"#, .single(.identify))?.code == .invalidMessage)
        #expect(requestError(#"{"userId":"u""#, .single(.identify))?.code == .invalidJSON)
        #expect(requestError("", .single(.identify))?.code == .invalidJSON)
        #expect(requestError(#"{"userId":"u"} {}"#, .single(.identify))?.code == .invalidJSON)
    }

    @Test func singleEndpointTypeMayBeAbsentButMustMatch() throws {
        #expect(try decodeSingle(#"{"userId":"u","event":"E"}"#, .track).type == .track)
        #expect(try decodeSingle(#"{"type":"track","userId":"u","event":"E"}"#, .track).type == .track)
        #expect(try decodeSingle(#"{"type":null,"userId":"u"}"#, .identify).type == .identify)
        let mismatch = requestError(#"{"type":"identify","userId":"u","event":"E"}"#, .single(.track))
        #expect(mismatch?.code == .invalidType)
        #expect(mismatch?.message == "message type 'identify' does not match the track endpoint")
        #expect(requestError(#"{"type":"bogus","userId":"u","event":"E"}"#, .single(.track))?.code == .invalidType)
    }

    @Test func singleEndpointWriteKey() throws {
        let request = try MessageDecoder().decode(
            body: Array(#"{"writeKey":"wk_1","userId":"u"}"#.utf8), endpoint: .single(.identify), receivedAt: receivedAt)
        #expect(request.writeKey == "wk_1")
        #expect(request.accepted.count == 1)
    }

    @Test func rejectionErrorMessages() throws {
        let request = try decodeBatch(#"{"batch":[{"type":"purchase","userId":"u"},{"type":"track","userId":"u","event":"E","timestamp":"soon"}]}"#)
        #expect(request.rejected.map(\.error) == [
            RapportError(.invalidType, "unknown message type 'purchase'"),
            RapportError(.invalidTimestamp, "`timestamp` is not an ISO 8601 time: 'soon'"),
        ])
    }

    @Test func messageIdIsKnownEvenWhenItComesLast() throws {
        let request = try decodeBatch(#"{"batch":[{"type":"track","userId":"u","timestamp":"bad","messageId":"late-id"}]}"#)
        #expect(request.rejected.first?.messageId == "late-id")
        #expect(request.rejected.first?.error.code == .invalidTimestamp)
    }

    // MARK: Field mapping

    @Test func identifiersMayBeNumbersAndAreTrimmed() throws {
        let m = try decodeSingle(#"{"userId":42,"anonymousId":" anon-1\t","groupId":-7,"traits":{}}"#, .group)
        #expect(m.userId == "42")
        #expect(m.anonymousId == "anon-1")
        #expect(m.groupId == "-7")
        let n = try decodeSingle(#"{"userId":1.5,"previousId":"\n old \n","messageId":123}"#, .alias)
        #expect(n.userId == "1.5")
        #expect(n.previousId == "old")
        #expect(n.messageId == "123")
        // Integers below 2^53 exactly; other numbers as `JSONValue.identifierString` gives them.
        let p = try decodeSingle(
            #"{"userId":9007199254740991,"anonymousId":42.0,"messageId":-0,"groupId":1e3,"previousId":2.5e-1}"#,
            .group)
        #expect(p.userId == "9007199254740991")
        #expect(p.anonymousId == "42")
        #expect(p.messageId == "0")
        #expect(p.groupId == "1000")
        #expect(p.previousId == "0.25")
        let o = try decodeSingle(#"{"userId":"  ","anonymousId":"a","messageId":"  m-1 "}"#, .identify)
        #expect(o.userId == nil)
        #expect(o.messageId == "m-1")
    }

    @Test func eventAndNames() throws {
        #expect(try decodeSingle(#"{"userId":"u","event":"  Signed Up "}"#, .track).event == "Signed Up")
        #expect(try decodeSingle(#"{"userId":"u","name":"Home"}"#, .page).event == "Home")
        #expect(try decodeSingle(#"{"userId":"u","name":"Cart"}"#, .screen).event == "Cart")
        #expect(try decodeSingle(#"{"userId":"u"}"#, .page).event == nil)
        #expect(try decodeSingle(#"{"userId":"u","event":"ignored"}"#, .identify).event == nil)
        #expect(try decodeSingle(#"{"userId":"u","event":"中文 😀"}"#, .track).event == "中文 😀")
        #expect(try decodeSingle(#"{"userId":"u","event":"A\u0042C"}"#, .track).event == "ABC")
    }

    @Test func traitsDependOnTheType() throws {
        let traits = #""traits":{"email":"a@b.c"},"context":{"traits":{"plan":"pro"}}"#
        // identify: the top-level traits over context.traits (where RudderStack's SDKs put them).
        #expect(try decodeSingle(#"{"userId":"u",\#(traits)}"#, .identify).traits
            == ["email": .string("a@b.c"), "plan": .string("pro")])
        #expect(try decodeSingle(#"{"userId":"u","groupId":"g",\#(traits)}"#, .group).traits == ["email": .string("a@b.c")])
        #expect(try decodeSingle(#"{"userId":"u","event":"E",\#(traits)}"#, .track).traits == ["plan": .string("pro")])
        #expect(try decodeSingle(#"{"userId":"u",\#(traits)}"#, .page).traits == ["plan": .string("pro")])
        #expect(try decodeSingle(#"{"userId":"u","previousId":"p",\#(traits)}"#, .alias).traits == ["plan": .string("pro")])
        #expect(try decodeSingle(#"{"userId":"u","event":"E"}"#, .track).traits.isEmpty)
        #expect(try decodeSingle(#"{"userId":"u","traits":null}"#, .identify).traits.isEmpty)
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":{"traits":"x"}}"#, .track).traits.isEmpty)
    }

    @Test func contextDecodesTheSelectedMembersOnly() throws {
        let text = #"{"userId":"u","event":"E","context":{"ip":"1.2.3.4","externalIds":[{"id":"x","type":"email"}],"# +
            #""page":{"url":"https://e.x/?a=1"},"active":true,"device":{"id":"d-1","type":"ios"},"# +
            #""campaign":{"name":"spring","source":"newsletter"},"channel":"web","referrer":{"type":"link"},"# +
            #""source":"crm","library":{"name":"analytics.js"},"userAgent":"Mozilla/5.0","traits":{"plan":"pro"}}}"#
        let m = try decodeSingle(text, .track)
        #expect(MessageDecoder.decodedContextMembers
            == ["device", "externalIds", "traits", "campaign", "channel", "referrer", "source"])
        #expect(m.context == [
            "externalIds": .array([.object(["id": .string("x"), "type": .string("email")])]),
            "device": .object(["id": .string("d-1")]),  // of the device, only its id
            "campaign": .object(["name": .string("spring"), "source": .string("newsletter")]),
            "channel": .string("web"),
            "referrer": .object(["type": .string("link")]),
            "source": .string("crm"),
            "traits": .object(["plan": .string("pro")]),
        ])
        #expect(m.traits == ["plan": .string("pro")])
        // The skipped members stay in the body, which is the exact message bytes.
        #expect(m.context["ip"] == nil && m.context["page"] == nil && m.context["active"] == nil)
        #expect(m.body == Array(text.utf8))
        let full = try JSONValue.parse(m.body)["context"]
        #expect(full?["page"]?["url"] == .string("https://e.x/?a=1"))
        #expect(full?["active"] == .bool(true))
    }

    @Test func aMessagesOwnContextIsDecodedFromItsBodyWhenRead() throws {
        let context = #"{"ip":"1.2.3.4","dev\u0069ce":{"model":"X","id":"d-1"},"externalIds":[{"id":"o-1","type":"wechat_openid"}],"# +
            #""channel":"app","library":{"name":"analytics-ios"}}"#
        let expected: [String: JSONValue] = [
            "device": .object(["id": .string("d-1")]),
            "externalIds": .array([.object(["id": .string("o-1"), "type": .string("wechat_openid")])]),
            "channel": .string("app"),
        ]
        let request = try decodeBatch(#"{"batch":[{"type":"track","userId":"u","event":"E","context": \#(context) }]}"#)
        let m = try #require(request.accepted.first)
        // Held as where it lies, not decoded, and decoded the same on every read.
        let range = try #require(m.contextRange)
        #expect(m.withBody { Array($0[range]) } == Array(context.utf8))
        #expect(m.context == expected)
        #expect(m.context == expected)
        // The identity members are read alone, from where they lie, and agree with the context.
        #expect(m.identitySpan?.device != nil && m.identitySpan?.externalIds != nil)
        #expect(m.identityMembers.device == expected["device"] && m.identityMembers.externalIds == expected["externalIds"])

        // Changing a copy's context decodes it first; the original is untouched.
        var changed = m
        changed.context["channel"] = .string("web")
        #expect(changed.contextRange == nil)
        #expect(changed.context["device"] == expected["device"] && changed.context["channel"] == .string("web"))
        #expect(m.context == expected && m.contextRange == range)

        // A new body would move the bytes away: the context is decoded from the old one first.
        var rebodied = m
        rebodied.body = Array("{}".utf8)
        #expect(rebodied.contextRange == nil && rebodied.context == expected)

        // A batch-level context: the message's members lie over it, decoded at once.
        let merged = try decodeBatch(#"{"context":{"channel":"server","source":"crm"},"batch":[{"type":"track","userId":"u","event":"E","context":\#(context)}]}"#)
        let n = try #require(merged.accepted.first)
        #expect(n.contextRange == nil)
        #expect(n.context == expected.merging(["source": .string("crm")]) { own, _ in own })
        #expect(n.identityMembers.device == expected["device"])
        // The last of repeated members wins, read alone or with the rest.
        let twice = try decodeSingle(
            #"{"userId":"u","event":"E","context":{"device":{"id":"d-1"},"externalIds":[],"device":{"id":"d-2"}}}"#, .track)
        #expect(twice.identityMembers.device == .object(["id": .string("d-2")]))
        #expect(twice.identityMembers.device == twice.context["device"] && twice.identityMembers.externalIds == .array([]))

        // No context, or null: nothing to decode.
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":null}"#, .track).contextRange == nil)
        #expect(try decodeSingle(#"{"userId":"u","event":"E"}"#, .track).context.isEmpty)
    }

    @Test func aContextRangeThatIsNotAnObjectInTheBodyReadsAsEmpty() {
        var m = Message(type: .track, messageId: "m", userId: "u", event: "E", context: ["channel": .string("web")],
                        timestamp: 0, receivedAt: 0, body: Array(#"{"context":[1,2],"x":{"channel":"app"}}"#.utf8))
        m.setContext(decodingFromBodyAt: 11..<16)  // [1,2]
        #expect(m.context.isEmpty)
        m.setContext(decodingFromBodyAt: 30..<90)  // past the end
        #expect(m.context.isEmpty)
        m.setContext(decodingFromBodyAt: 21..<38)  // {"channel":"app"}
        #expect(m.context == ["channel": .string("app")])
        m.setContext(decodingFromBodyAt: 21..<30)  // cut short
        #expect(m.context.isEmpty)
    }

    @Test func everyTypeIsMatchedOnItsBytes() throws {
        for type in MessageType.allCases {
            let text = #"{"type":"\#(type.rawValue)","userId":"u","event":"E","previousId":"p","groupId":"g"}"#
            #expect(try decodeBatch("{\"batch\":[\(text)]}").accepted.first?.type == type)
        }
        #expect(try decodeBatch(#"{"batch":[{"type":"tr\u0061ck","userId":"u","event":"E"}]}"#).accepted.first?.type == .track)
        for wrong in ["trac", "tracks", "Track", "identif", "screem", "", "group "] {
            let request = try decodeBatch(#"{"batch":[{"type":"\#(wrong)","userId":"u","event":"E"}]}"#)
            #expect(request.rejected.first?.error.code == .invalidType, "\(wrong)")
        }
    }

    /// Member names are matched exactly: a name with any one byte changed is
    /// an unknown member (skipped), not the field.
    @Test(arguments: ["type", "traits", "sentAt", "context", "timestamp", "properties", "originalTimestamp"])
    func memberNamesMatchExactly(name: String) throws {
        func code(_ key: String) throws -> RapportError.Code? {
            try rejection(#"{"type":"track","userId":"u","event":"E","\#(key)":5}"#)
        }
        #expect(try code(name) != nil)
        let bytes = Array(name.utf8)
        for i in bytes.indices {
            var changed = bytes
            changed[i] ^= 0x01
            let key = String(decoding: changed, as: UTF8.self)
            #expect(try code(key) == nil, "\(key)")
        }
        #expect(try code(name + "s") == nil)
        #expect(try code(String(name.dropLast())) == nil)
    }

    @Test func contextTraitsAreTheLastTraitsMember() throws {
        let m = try decodeSingle(
            #"{"userId":"u","event":"E","context":{"traits":{"a":1},"ip":"x","traits":{"b":2}}}"#, .track)
        #expect(m.traits == ["b": .number(2)])
        #expect(m.context == ["traits": .object(["b": .number(2)])])
        // A later `context` replaces an earlier one, traits included.
        let n = try decodeSingle(#"{"userId":"u","event":"E","context":{"traits":{"a":1}},"context":null}"#, .track)
        #expect(n.traits.isEmpty && n.context.isEmpty)
        let i = try decodeSingle(#"{"userId":"u","traits":{"a":1},"context":{"traits":{"a":0,"b":2}}}"#, .identify)
        #expect(i.traits == ["a": .number(1), "b": .number(2)])
    }

    @Test func contextMemberKeysMatchOnTheirDecodedText() throws {
        // An escaped key names the same member; duplicate keys keep the last value.
        let m = try decodeSingle(
            #"{"userId":"u","event":"E","context":{"dev\u0069ce":{"id":"d-1"},"channel":"a","channel":"b","devices":1}}"#,
            .track)
        #expect(m.context == ["device": .object(["id": .string("d-1")]), "channel": .string("b")])
        // Of the device only its id is decoded, whatever the key's spelling; a device that is not an object stays as it is.
        let d = try decodeSingle(
            #"{"userId":"u","event":"E","context":{"device":{"model":"X","\u0069d":"d-2","type":"ios","id":"d-3"}}}"#, .track)
        #expect(d.context == ["device": .object(["id": .string("d-3")])])
        let e = try decodeSingle(#"{"userId":"u","event":"E","context":{"device":{"model":"X","i\u0064":"d-4"}}}"#, .track)
        #expect(e.context == ["device": .object(["id": .string("d-4")])])
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":{"device":"phone"}}"#, .track).context
            == ["device": .string("phone")])
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":{"device":{"model":"X"}}}"#, .track).context
            == ["device": .object([:])])
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":{}}"#, .track).context.isEmpty)
        #expect(try decodeSingle(#"{"userId":"u","event":"E","context":null}"#, .track).context.isEmpty)
    }

    /// Skipped context members are still validated: the request is not JSON.
    @Test(arguments: [
        #"{"page":{"url":"x",}}"#,
        #"{"page":{"url":"x"}"#,
        #"{"page":{"title":"\q"}}"#,
        #"{"library":{"version":01}}"#,
        #"{"screen":{"width":1e400}}"#,
        #"{"os":tru}"#,
        #"{"app":{"name":"\#u{01}"}}"#,
        #"{"locale":"en" "US"}"#,
    ])
    func skippedContextMembersAreValidated(context: String) {
        let message = #"{"type":"track","userId":"u","event":"E","context":"# + context + "}"
        #expect(requestError("{\"batch\":[\(message)]}")?.code == .invalidJSON, "\(context)")
        #expect(requestError(message, .single(.track))?.code == .invalidJSON, "\(context)")
        #expect(throws: RapportError.self) { try MessageDecoder().decodeLine(Array(message.utf8), receivedAt: 1) }
    }

    @Test func skippedContextMembersAreValidatedForBadUTF8AndDepth() {
        var bytes = Array(#"{"type":"track","userId":"u","event":"E","context":{"userAgent":"ab"#.utf8)
        bytes += [0xC3, 0x28]  // invalid UTF-8
        bytes += Array(#""}}"#.utf8)
        #expect(requestError(bytes, .single(.track))?.code == .invalidJSON)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let text = #"{"type":"track","userId":"u","event":"E","context":{"page":"# + deep + "}}"
        #expect(requestError(text, .single(.track))?.message.contains("nesting deeper than") == true)
    }

    @Test func propertiesRangePointsAtThePropertiesObject() throws {
        let props = #"{ "revenue" : 12.50, "currency":"EUR", "items":[{"id":"p\"1"}], "nested":{"deep":[[]]} }"#
        let text = #"{"userId":"u","event":"E","properties" :  \#(props)  , "integrations":{"All":false}}"#
        let m = try decodeSingle(text, .track)
        #expect(m.body == Array(text.utf8))
        let range = try #require(m.propertiesRange)
        #expect(String(decoding: m.body[range], as: UTF8.self) == props)
        #expect(try m.properties() == [
            "revenue": .number(12.5), "currency": .string("EUR"),
            "items": .array([.object(["id": .string("p\"1")])]), "nested": .object(["deep": .array([.array([])])]),
        ])
        #expect(try decodeSingle(#"{"userId":"u","event":"E","properties":null}"#, .track).propertiesRange == nil)
        #expect(try decodeSingle(#"{"userId":"u","event":"E"}"#, .track).propertiesRange == nil)
        #expect(try decodeSingle(#"{"userId":"u","event":"E"}"#, .track).properties().isEmpty)
        let empty = try decodeSingle(#"{"userId":"u","event":"E","properties":{}}"#, .track)
        #expect(empty.propertiesRange == 39..<41)
    }

    @Test func propertiesWithBadContentRejectTheRequest() {
        // Properties are validated even though they are not decoded.
        #expect(requestError(#"{"userId":"u","event":"E","properties":{"a":"\q"}}"#, .single(.track))?.code == .invalidJSON)
        #expect(requestError(#"{"userId":"u","event":"E","properties":{"a":1e999}}"#, .single(.track))?.code == .invalidJSON)
    }

    @Test func escapedKeysAreRecognised() throws {
        let m = try decodeSingle(#"{"t\u0079pe":"track","\u0075serId":"u","event":"E"}"#, .track)
        #expect(m.userId == "u")
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let m = try decodeSingle(#"{"userId":"first","event":"A","userId":"second","event":"B"}"#, .track)
        #expect(m.userId == "second")
        #expect(m.event == "B")
        #expect(try rejection(#"{"type":"bogus","type":"track","userId":"u","event":"E"}"#) == nil)
    }

    // MARK: Message ids

    @Test func missingMessageIdIsDerivedDeterministically() throws {
        let text = #"{"type":"track","userId":"u1","event":"E"}"#
        let a = try decodeSingle(text, .track)
        let b = try decodeSingle(text, .track)
        // FNV-1a 128 of the message bytes.
        #expect(a.messageId == "auto-cd238ed7dfae4e5f5c65787b306d40c7")
        #expect(b.messageId == a.messageId)
        // The same bytes inside a batch get the same id.
        let batch = try decodeBatch("{\"batch\":[ \(text) ], \"sentAt\":\"2024-05-01T10:00:00Z\"}")
        #expect(batch.accepted.first?.messageId == a.messageId)
        let other = try decodeSingle(#"{"type":"track","userId":"u1","event":"F"}"#, .track)
        #expect(other.messageId != a.messageId)
        #expect(other.messageId.hasPrefix("auto-") && other.messageId.utf8.count == 37)
        #expect(try decodeSingle(#"{"type":"track","userId":"u1","event":"E","messageId":""}"#, .track)
            .messageId.hasPrefix("auto-"))
    }

    // MARK: Times

    @Test func timestampOnlyIsTakenAsSent() throws {
        let m = try decodeSingle(#"{"userId":"u","timestamp":"2024-05-01T09:00:00.250+02:00"}"#, .identify)
        #expect(m.timestamp == ms("2024-05-01T07:00:00.250Z"))
        #expect(m.clientTimestamp == m.timestamp)
        #expect(m.receivedAt == receivedAt)
    }

    @Test func originalTimestampWithoutSentAtIsTakenAsSent() throws {
        let m = try decodeSingle(#"{"userId":"u","originalTimestamp":"2024-05-01T09:00:00Z"}"#, .identify)
        #expect(m.timestamp == ms("2024-05-01T09:00:00Z"))
        #expect(m.clientTimestamp == ms("2024-05-01T09:00:00Z"))
    }

    @Test func noTimesMeansReceivedAt() throws {
        let m = try decodeSingle(#"{"userId":"u","timestamp":null,"originalTimestamp":null,"sentAt":null}"#, .identify)
        #expect(m.timestamp == receivedAt)
        #expect(m.clientTimestamp == nil)
    }

    @Test func skewCorrection() throws {
        // The device clock is 1 hour fast: it stamped 11:00:00 and sent at 11:00:02.
        let m = try decodeSingle(
            #"{"userId":"u","originalTimestamp":"2024-05-01T11:00:00Z","sentAt":"2024-05-01T11:00:02Z","timestamp":"2024-05-01T11:00:00Z"}"#,
            .identify)
        #expect(m.timestamp == receivedAt - 2000)
        #expect(m.clientTimestamp == ms("2024-05-01T11:00:00Z"))
        // A message-level sentAt wins over the batch's.
        let batch = try decodeBatch(
            #"{"sentAt":"2024-05-01T11:00:30Z","batch":[{"type":"identify","userId":"u","originalTimestamp":"2024-05-01T11:00:00Z","sentAt":"2024-05-01T11:00:10Z"},{"type":"identify","userId":"u","originalTimestamp":"2024-05-01T11:00:00Z"}]}"#)
        #expect(batch.accepted.map(\.timestamp) == [receivedAt - 10_000, receivedAt - 30_000])
    }

    @Test func correctedTimestampArithmetic() {
        let f = MessageDecoder.correctedTimestamp
        #expect(f(1_000_000, 500_000, 400_000, nil) == 900_000)
        #expect(f(1_000_000, 400_000, 500_000, nil) == 1_100_000)  // sent "before" the event: as computed
        #expect(f(1_000_000, nil, 400_000, 300_000) == 300_000)  // timestamp wins without sentAt
        #expect(f(1_000_000, 500_000, nil, 300_000) == 300_000)
        #expect(f(1_000_000, nil, 400_000, nil) == 400_000)
        #expect(f(1_000_000, 500_000, nil, nil) == 1_000_000)
        #expect(f(1_000_000, nil, nil, nil) == 1_000_000)
        // Overflow and absurd results fall back to receivedAt.
        #expect(f(.min, 1000, 0, nil) == .min)
        #expect(f(0, .max, -1, nil) == 0)
        #expect(f(0, .min, 1, nil) == 0)
        #expect(f(253_402_300_799_999, 0, 1, nil) == 253_402_300_799_999)
        #expect(f(0, 62_167_219_200_001, 0, nil) == 0)  // before year 0
        #expect(f(0, 62_167_219_200_000, 0, nil) == -62_167_219_200_000)
    }

    // MARK: Lines and direct calls

    @Test func decodeLine() throws {
        let decoder = MessageDecoder()
        let line = Array(#"{"type":"track","userId":"u","event":"E","properties":{"a":1}}"#.utf8)
        let m = try decoder.decodeLine(line + [0x0D, 0x0A], receivedAt: 5)
        #expect(m.type == .track)
        #expect(m.body == line)
        #expect(m.receivedAt == 5 && m.timestamp == 5)
        #expect(try m.properties() == ["a": .number(1)])
        #expect(throws: RapportError(.invalidType, "message has no `type`")) {
            try decoder.decodeLine(Array(#"{"userId":"u","event":"E"}"#.utf8), receivedAt: 5)
        }
        #expect(throws: RapportError.self) { try decoder.decodeLine(Array("{".utf8), receivedAt: 5) }
        #expect(throws: RapportError.self) { try decoder.decodeLine([], receivedAt: 5) }
    }

    @Test func decodeMessageWithBatchValues() throws {
        let m = try MessageDecoder().decodeMessage(
            Array(#"{"userId":"u","originalTimestamp":"2024-05-01T11:00:00Z","context":{"ip":"y","channel":"x"}}"#.utf8),
            type: .identify,
            batchContext: ["library": .string("lib"), "channel": .string("batch"), "source": .string("crm")],
            batchSentAt: ms("2024-05-01T11:00:03Z"), receivedAt: receivedAt)
        // Only the selected members of both contexts; the message's win.
        #expect(m.context == ["channel": .string("x"), "source": .string("crm")])
        #expect(m.timestamp == receivedAt - 3000)
    }

    @Test func endpointsFromPaths() {
        #expect(IngestEndpoint(path: "/v1/track") == .single(.track))
        #expect(IngestEndpoint(path: "/v1/t") == .single(.track))
        #expect(IngestEndpoint(path: "/v1/identify/") == .single(.identify))
        #expect(IngestEndpoint(path: "/v1/p") == .single(.page))
        #expect(IngestEndpoint(path: "/v1/screen") == .single(.screen))
        #expect(IngestEndpoint(path: "/v1/g") == .single(.group))
        #expect(IngestEndpoint(path: "/v1/alias") == .single(.alias))
        #expect(IngestEndpoint(path: "/v1/batch") == .batch)
        #expect(IngestEndpoint(path: "/v1/import") == .batch)
        #expect(IngestEndpoint(path: "/v1/bogus") == nil)
        #expect(IngestEndpoint(path: "/v2/track") == nil)
        #expect(IngestEndpoint(path: "") == nil)
    }
}
