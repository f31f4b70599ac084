import RapportCore
import Testing

@testable import RapportIdentity

func makeMessage(
    _ type: MessageType = .track, userId: String? = nil, anonymousId: String? = nil, previousId: String? = nil,
    traits: [String: JSONValue] = [:], context: [String: JSONValue] = [:]
) -> Message {
    Message(type: type, messageId: "m", userId: userId, anonymousId: anonymousId, previousId: previousId,
            event: type == .track ? "E" : nil, traits: traits, context: context,
            timestamp: 0, receivedAt: 0, body: [])
}

/// A JSON object of strings.
func obj(_ members: [String: String]) -> JSONValue {
    .object(members.mapValues { .string($0) })
}

@Suite struct IdentifierExtractorTests {
    let extractor = IdentifierExtractor()

    @Test func extractsEverySourceInPriorityOrder() {
        let message = makeMessage(
            .identify, userId: " U1 ", anonymousId: "anon-1",
            traits: [
                "email": .string("Alice@Example.com"), "phone": .string("138 0013 8000"), "mobile": .number(13900139000),
                "wechat_unionid": .string("UNION1"), "openid": .string("OPEN1"), "name": .string("Alice"),
            ],
            context: [
                "device": .object(["id": .string("dev-1"), "advertisingId": .string("ad-1")]),
                "externalIds": .array([
                    obj(["id": "h-9", "type": "HubSpot ID", "collection": "users", "encoding": "none"]),
                    .object(["id": .number(42), "type": .string("crm_id")]),
                ]),
            ])
        let result = extractor.extract(from: message)
        #expect(result.identifiers.map(\.description) == [
            "user_id:U1", "wechat_unionid:UNION1", "email:alice@example.com",
            "phone:+8613800138000", "phone:+8613900139000", "wechat_openid:OPEN1",
            "crm_id:42", "hubspot_id:h-9", "device_id:dev-1", "anonymous_id:anon-1",
        ])
        #expect(result.dropped.isEmpty)
        #expect(result.aliasPreviousId == nil)
    }

    @Test func externalIdsMapToKnownKinds() {
        let message = makeMessage(context: [
            "externalIds": .array([
                obj(["id": "U7", "type": "userId"]),
                obj(["id": "B@X.io", "type": "Email"]),
                obj(["id": "13800138000", "type": "mobile"]),
                obj(["id": "o-1", "type": "openid"]),
                obj(["id": "u-1", "type": "unionid"]),
                obj(["id": "5f4dcc3b", "type": "email", "encoding": "md5"]),
            ]),
        ])
        let result = extractor.extract(from: message)
        #expect(Set(result.identifiers.map(\.description)) == [
            "user_id:U7", "email:b@x.io", "phone:+8613800138000", "wechat_openid:o-1", "wechat_unionid:u-1",
            "email_md5:5f4dcc3b",
        ])
        #expect(result.identifiers.first == Identifier(kind: "user_id", value: "U7"))
    }

    @Test func wechatIdsFromTraitsBothSpellings() {
        let a = extractor.extract(from: makeMessage(anonymousId: "a", traits: ["unionid": .string("UN"), "wechat_openid": .string("OP")]))
        #expect(a.identifiers.map(\.description) == ["wechat_unionid:UN", "wechat_openid:OP", "anonymous_id:a"])
    }

    @Test func duplicatesAreRemoved() {
        let message = makeMessage(
            userId: "u",
            traits: ["email": .string("a@b.io"), "phone": .string("13800138000"), "mobile": .string("+86 138 0013 8000")],
            context: ["externalIds": .array([obj(["id": "A@B.IO", "type": "email"]), obj(["id": "u", "type": "user_id"])])])
        #expect(extractor.extract(from: message).identifiers.map(\.description) == [
            "user_id:u", "email:a@b.io", "phone:+8613800138000",
        ])
    }

    @Test func blockedAndInvalidValuesAreReported() {
        let message = makeMessage(
            userId: "null", anonymousId: "00000000-0000-0000-0000-000000000000",
            traits: ["email": .string("not-an-email"), "phone": .bool(true), "mobile": .null],
            context: [
                "device": obj(["id": "unknown"]),
                "externalIds": .array([
                    obj(["id": "x1", "type": ""]), obj(["id": "x2"]), obj(["type": "crm_id"]),
                    obj(["id": "undefined", "type": "crm_id"]), obj(["id": "ok", "type": "crm_id"]),
                ]),
            ])
        let result = extractor.extract(from: message)
        #expect(result.identifiers == [Identifier(kind: "crm_id", value: "ok")])
        let dropped = Set(result.dropped.map { "\($0.kind)=\($0.value)/\($0.reason.rawValue)" })
        #expect(dropped == [
            "user_id=null/blocked", "anonymous_id=00000000-0000-0000-0000-000000000000/blocked",
            "email=not-an-email/invalid", "phone=true/invalid", "device_id=unknown/blocked",
            "external_id=x1/invalid", "external_id=x2/invalid", "crm_id=/invalid", "crm_id=undefined/blocked",
        ])
    }

    @Test func aliasPreviousIdIsSeparate() {
        let alias = extractor.extract(from: makeMessage(.alias, userId: "u-2", previousId: " anon-9 "))
        #expect(alias.identifiers == [Identifier(kind: "user_id", value: "u-2")])
        #expect(alias.aliasPreviousId == "anon-9")

        let blocked = extractor.extract(from: makeMessage(.alias, userId: "u-2", previousId: "guest"))
        #expect(blocked.aliasPreviousId == nil)
        #expect(blocked.dropped == [DroppedIdentifier(kind: "previous_id", value: "guest", reason: .blocked)])

        // previousId means nothing outside alias.
        let track = extractor.extract(from: makeMessage(.track, userId: "u-2", previousId: "anon-9"))
        #expect(track.aliasPreviousId == nil)
    }

    @Test func messageWithoutIdentifiers() {
        let result = extractor.extract(from: makeMessage(anonymousId: "anonymous"))
        #expect(result.identifiers.isEmpty)
        #expect(result.dropped.count == 1)
    }
}
