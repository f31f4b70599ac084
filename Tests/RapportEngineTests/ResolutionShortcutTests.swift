import Foundation
import RapportCore
import RapportDemo
import RapportIdentity
import RapportIngest
import RapportStore
import Testing

@testable import RapportEngine

/// The projector lands an event whose identifiers repeat the last event's
/// (same bytes) on the last event's profile without resolving it again. These
/// tests check when messages count as "the same identifiers", and that the
/// projection ends identical with and without the shortcut.
@Suite struct ResolutionShortcutTests {
    let decoder = MessageDecoder()

    func decodeBatch(_ messages: [String], context: String? = nil) throws -> [Message] {
        let outer = context.map { #","context":\#($0)"# } ?? ""
        let body = Array(#"{"batch":[\#(messages.joined(separator: ","))]\#(outer)}"#.utf8)
        let decoded = try decoder.decode(body: body, endpoint: .batch, receivedAt: 1_750_000_000_000)
        #expect(decoded.rejected.isEmpty)
        return decoded.accepted
    }

    @Test func onlyMessagesWithTheSameIdentityBytesCountAsTheSame() throws {
        let ctx = #"{"device":{"id":"d-1"},"externalIds":[{"id":"oX1","type":"wechat_openid","encoding":"none"}],"ip":"1.2.3.4"}"#
        let m = try decodeBatch([
            #"{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"m0","context":\#(ctx)}"#,
            #"{"type":"page","anonymousId":"a-1","name":"Home","messageId":"m1","properties":{"x":1},"context":\#(ctx)}"#,
            #"{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"m2","context":{"device":{"id":"d-2"}}}"#,
            #"{"type":"track","anonymousId":"a-1","userId":"u-1","event":"Viewed","messageId":"m3","context":\#(ctx)}"#,
            #"{"type":"alias","anonymousId":"a-1","previousId":"old","messageId":"m4","context":\#(ctx)}"#,
            #"{"type":"alias","anonymousId":"a-1","previousId":"old","messageId":"m5","context":\#(ctx)}"#,
            #"{"type":"identify","anonymousId":"a-1","messageId":"m6","traits":{"email":"a@b.cn"},"context":\#(ctx)}"#,
            #"{"type":"identify","anonymousId":"a-1","messageId":"m7","traits":{"email":"c@d.cn"},"context":\#(ctx)}"#,
            #"{"type":"identify","anonymousId":"a-1","messageId":"m8","traits":{"email":"a@b.cn"},"context":\#(ctx)}"#,
        ])
        let same = IdentifierExtractor.extractsTheSame
        let extractor = IdentifierExtractor()
        #expect(m[0].identitySpan?.device != nil && m[0].identitySpan?.externalIds != nil)
        #expect(m[0].identitySpan?.traits == nil && m[0].identitySpan?.contextTraits == nil)
        // Other fields differ, the identity bytes do not: the same identifiers.
        #expect(same(m[0], m[1]))
        #expect(extractor.extract(from: m[0]) == extractor.extract(from: m[1]))
        #expect(!same(m[0], m[2]), "another device id")
        #expect(!same(m[0], m[3]), "a userId as well")
        #expect(!same(m[4], m[5]), "an alias is never the same: its previousId is resolved against the graph")
        #expect(!same(m[6], m[7]), "other traits")
        #expect(same(m[6], m[8]))
        #expect(!same(m[0], m[6]))

        // Only the identity members of the context count; the traits that count depend on the type.
        let n = try decodeBatch([
            #"{"type":"page","anonymousId":"a-1","messageId":"n0","context":{"page":{"url":"/a"},"device":{"id":"d-1"}}}"#,
            #"{"type":"page","anonymousId":"a-1","messageId":"n1","context":{"device":{"id":"d-1"},"page":{"url":"/b"},"ip":"2.2.2.2"}}"#,
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"n2","traits":{"email":"a@b.cn"}}"#,
            #"{"type":"identify","anonymousId":"a-1","messageId":"n3","traits":{"email":"a@b.cn"}}"#,
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"n4"}"#,
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"n5","context":{"traits":{"email":"a@b.cn"}}}"#,
            #"{"type":"group","anonymousId":"a-1","groupId":"g","messageId":"n6","context":{"traits":{"email":"a@b.cn"}}}"#,
            #"{"type":"group","anonymousId":"a-1","groupId":"g","messageId":"n7"}"#,
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"n8","context":{"externalIds":[]}}"#,
        ])
        #expect(same(n[0], n[1]), "another page, another ip: the same device")
        #expect(extractor.extract(from: n[0]) == extractor.extract(from: n[1]))
        #expect(same(n[2], n[4]), "a track's top-level traits are not its traits")
        #expect(extractor.extract(from: n[2]) == extractor.extract(from: n[4]))
        #expect(!same(n[2], n[3]), "an identify's are")
        #expect(extractor.extract(from: n[2]) != extractor.extract(from: n[3]))
        #expect(!same(n[4], n[5]), "context.traits feed a track's traits")
        #expect(same(n[6], n[7]), "but not a group's")
        #expect(extractor.extract(from: n[6]) == extractor.extract(from: n[7]))
        #expect(!same(n[4], n[8]), "an empty externalIds is bytes all the same")

        // The resolution cache's key is equal exactly when the bytes say the same identifiers.
        for set in [m, n] {
            for a in set {
                for b in set {
                    var ka: [UInt8] = [], kb: [UInt8] = []
                    let keyed = IdentifierExtractor.identityKey(of: a, into: &ka)
                        && IdentifierExtractor.identityKey(of: b, into: &kb)
                    #expect((keyed && ka == kb) == same(a, b), "\(a.messageId) and \(b.messageId)")
                }
            }
        }

        // A message changed after decoding is no longer known by its bytes.
        var changed = m[1]
        changed.traits["email"] = .string("x@y.cn")
        #expect(changed.identitySpan == nil)
        #expect(!same(m[0], changed))
        var rebodied = m[1]
        rebodied.body = m[0].body
        #expect(!same(m[0], rebodied))

        // A message built in code, not decoded, has no span.
        let built = Message(type: .track, messageId: "b", anonymousId: "a-1", event: "Viewed", timestamp: 0,
                            receivedAt: 0, body: m[0].body)
        #expect(!same(m[0], built))

        // A batch-level context also feeds identity: no span.
        let withOuter = try decodeBatch([
            #"{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"o0"}"#,
            #"{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"o1"}"#,
        ], context: #"{"device":{"id":"d-9"}}"#)
        #expect(withOuter.allSatisfy { $0.identitySpan == nil })
        #expect(!same(withOuter[0], withOuter[1]))
    }

    /// Everything the projection stores, comparable.
    struct Profile: Equatable {
        var id: ProfileID
        var mergedInto: ProfileID?
        var createdAt: Int64
        var aggregates: ProfileAggregates
        var traits: [String: TraitValue]
    }

    struct State: Equatable {
        var profiles: [Profile]
        var identities: [String]
        var merges: [MergeRecord]
        var eventOwners: [[UInt8]]
    }

    func state(_ engine: Engine) async throws -> State {
        try await engine.projector.flush()
        let s = try await engine.store.loadProjection()
        return State(
            profiles: s.profiles.sorted { $0.id < $1.id }.map {
                Profile(id: $0.id, mergedInto: $0.mergedInto, createdAt: $0.createdAt, aggregates: $0.aggregates,
                        traits: $0.traits)
            },
            identities: s.identities.map { "\($0.identifier) \($0.profileId) \($0.firstSeen)" }.sorted(),
            merges: s.merges.sorted { $0.id < $1.id },
            eventOwners: s.eventOwners)
    }

    /// Demo traffic (web, app, mini-program, store, CRM; logins that merge
    /// devices), with an unmerge half-way and the same events sent again after
    /// it, projected with and without the shortcut: the same profiles,
    /// identifiers, merges and event owners, and the same warnings.
    @Test func theProjectionIsTheSameWithAndWithoutTheShortcut() async throws {
        let bodies = demoBatches(DemoConfig(customers: 150, days: 60, seed: 11)).map { Array($0.body.utf8) }
        #expect(bodies.count > 20)

        func run(shortcut: Bool) async throws -> (State, [String], Int, Int) {
            let (engine, key, ws) = try await makeEngine()
            await engine.projector.setResolutionShortcut(shortcut)
            for (i, body) in bodies.enumerated() {
                try await engine.send(String(decoding: body, as: UTF8.self), key: key)
                if i == bodies.count / 2 {
                    // Split the latest merge, then replay a batch whose senders include merged profiles.
                    let merges = await engine.projector.recentMerges(workspaceId: ws.id, limit: 1)
                    let latest = try #require(merges.first)
                    _ = try await engine.unmerge(mergeId: latest.id, workspaceId: ws.id, by: "t", now: 1)
                    let again = String(decoding: body, as: UTF8.self).replacingOccurrences(of: #""messageId":""#, with: #""messageId":"again-"#)
                    try await engine.send(again, key: key)
                }
            }
            try await engine.projector.flush()
            let warnings = try await engine.store.identityWarnings(workspaceId: ws.id, limit: 100_000).map {
                "\($0.seq) \($0.messageId) \($0.identifier) \($0.code) \($0.detail)"
            }
            return (try await state(engine), warnings, await engine.projector.resolutionShortcuts,
                    await engine.projector.resolutionCacheHits)
        }
        let (with, warningsWith, shortcuts, cacheHits) = try await run(shortcut: true)
        let (without, warningsWithout, none, noHits) = try await run(shortcut: false)
        #expect(none == 0 && noHits == 0)
        #expect(shortcuts > 1_000, "demo sessions repeat their sender: most events take the shortcut")
        #expect(cacheHits > 300, "senders interleave: many come back after another sender's events")
        #expect(with.merges.count > 3, "the traffic merges profiles")
        #expect(with.merges.contains { $0.undoneAt != nil })
        #expect(warningsWith == warningsWithout)
        #expect(with.profiles == without.profiles)
        #expect(with.identities == without.identities)
        #expect(with.merges == without.merges)
        #expect(with.eventOwners == without.eventOwners)
    }

    @Test func anUnmergeEndsTheShortcut() async throws {
        let (engine, key, ws) = try await makeEngine()
        // Two profiles (web visitor, app user), then a message that carries both: a merge.
        try await engine.send(#"""
            {"batch":[
              {"type":"track","anonymousId":"web-1","messageId":"x1","timestamp":"2025-01-01T10:00:00Z","event":"Viewed"},
              {"type":"identify","userId":"u-7","messageId":"x2","timestamp":"2025-01-01T10:01:00Z","traits":{"name":"Wang"}},
              {"type":"track","userId":"u-7","anonymousId":"web-1","messageId":"x3","timestamp":"2025-01-01T10:02:00Z","event":"Viewed"}
            ]}
            """#, key: key)
        let merged = try await engine.profile("user_id:u-7")
        let merge = try #require(merged.merges.first)
        _ = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "t", now: 1)
        let before = await engine.projector.resolutionShortcuts
        // The same sender again: resolved afresh, so the blocked merge is reported, not skipped silently.
        try await engine.send(#"""
            {"batch":[{"type":"track","userId":"u-7","anonymousId":"web-1","messageId":"x4","timestamp":"2025-01-01T10:03:00Z","event":"Viewed"}]}
            """#, key: key)
        #expect(await engine.projector.resolutionShortcuts == before)
        #expect(try await engine.profile("anonymous_id:web-1").id != engine.profile("user_id:u-7").id)
        try await engine.projector.flush()
        let warnings = try await engine.store.identityWarnings(workspaceId: ws.id, limit: 10)
        #expect(warnings.contains { $0.messageId == "x4" })
    }
}

extension ResolutionShortcutTests {
    /// An event that left an identifier out (a second user id) is never a
    /// shortcut for the next: each repeat is resolved and reported.
    @Test func aRepeatedConflictIsReportedEachTime() async throws {
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","userId":"u-1","anonymousId":"a-1","messageId":"c0","timestamp":"2025-01-01T10:00:00Z"},
              {"type":"track","userId":"u-2","anonymousId":"a-1","messageId":"c1","timestamp":"2025-01-01T10:01:00Z","event":"Viewed"},
              {"type":"track","userId":"u-2","anonymousId":"a-1","messageId":"c2","timestamp":"2025-01-01T10:02:00Z","event":"Viewed"},
              {"type":"track","userId":"u-2","anonymousId":"a-1","messageId":"c3","timestamp":"2025-01-01T10:03:00Z","event":"Viewed"}
            ]}
            """#, key: key)
        try await engine.projector.flush()
        let warned = Set(try await engine.store.identityWarnings(workspaceId: ws.id, limit: 10).map(\.messageId))
        #expect(warned == ["c1", "c2", "c3"])
        #expect(await engine.projector.resolutionShortcuts == 0)
    }
}

extension ProfileProjector {
    func setResolutionShortcut(_ on: Bool) {
        usesResolutionShortcut = on
    }
}
