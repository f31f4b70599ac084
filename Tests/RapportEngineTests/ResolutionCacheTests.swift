import RapportCore
import RapportIdentity
import RapportIngest
import Testing

@testable import RapportEngine

/// The projector remembers which profile recent senders resolved to
/// (`ResolutionCache`), so a sender that comes back after others is not
/// resolved again; these check when it may answer and when it must not.
@Suite struct ResolutionCacheTests {
    func decode(_ messages: [String]) throws -> [Message] {
        let body = Array(#"{"batch":[\#(messages.joined(separator: ","))]}"#.utf8)
        return try MessageDecoder().decode(body: body, endpoint: .batch, receivedAt: 1_750_000_000_000).accepted
    }

    @Test func aSenderThatComesBackAfterAnotherIsAnsweredFromTheCache() async throws {
        let (engine, key, _) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"track","anonymousId":"a-1","messageId":"k1","timestamp":"2025-01-01T10:00:00Z","event":"Viewed"},
              {"type":"track","anonymousId":"b-1","messageId":"k2","timestamp":"2025-01-01T10:01:00Z","event":"Viewed"},
              {"type":"track","anonymousId":"a-1","messageId":"k3","timestamp":"2025-01-01T10:02:00Z","event":"Viewed"},
              {"type":"track","anonymousId":"b-1","messageId":"k4","timestamp":"2025-01-01T10:03:00Z","event":"Viewed"}
            ]}
            """#, key: key)
        #expect(await engine.projector.resolutionCacheHits == 2)
        #expect(try await engine.profile("anonymous_id:a-1").aggregates.eventCount == 2)
        #expect(try await engine.profile("anonymous_id:b-1").aggregates.eventCount == 2)
    }

    @Test func aProfileMergedAwayIsNotAnsweredAndItsSenderLandsOnTheMergeTarget() async throws {
        let (engine, key, _) = try await makeEngine()
        // Two profiles, cached; then a message with both identifiers merges them; then each sender alone.
        try await engine.send(#"""
            {"batch":[
              {"type":"track","anonymousId":"web-1","messageId":"x1","timestamp":"2025-01-01T10:00:00Z","event":"Viewed"},
              {"type":"identify","userId":"u-7","messageId":"x2","timestamp":"2025-01-01T10:01:00Z","traits":{"name":"Wang"}},
              {"type":"track","userId":"u-7","anonymousId":"web-1","messageId":"x3","timestamp":"2025-01-01T10:02:00Z","event":"Viewed"},
              {"type":"track","anonymousId":"web-1","messageId":"x4","timestamp":"2025-01-01T10:03:00Z","event":"Viewed"},
              {"type":"identify","userId":"u-7","messageId":"x5","timestamp":"2025-01-01T10:04:00Z","traits":{"name":"Wang"}}
            ]}
            """#, key: key)
        let merged = try await engine.profile("user_id:u-7")
        #expect(merged.id == (try await engine.profile("anonymous_id:web-1")).id)
        #expect(merged.aggregates.eventCount == 5, "every event on the live profile, none on the merged-away one")
        // Of x4 and x5, exactly the one whose cached profile is still live was answered from the cache.
        #expect(await engine.projector.resolutionCacheHits == 1)
    }

    @Test func anUnmergeEmptiesTheCache() async throws {
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"track","anonymousId":"web-1","messageId":"x1","timestamp":"2025-01-01T10:00:00Z","event":"Viewed"},
              {"type":"identify","userId":"u-7","messageId":"x2","timestamp":"2025-01-01T10:01:00Z","traits":{"name":"Wang"}},
              {"type":"track","userId":"u-7","anonymousId":"web-1","messageId":"x3","timestamp":"2025-01-01T10:02:00Z","event":"Viewed"}
            ]}
            """#, key: key)
        #expect(await engine.projector.resolutionCache.count > 0)
        let merge = try #require(try await engine.profile("user_id:u-7").merges.first)
        _ = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "t", now: 1)
        #expect(await engine.projector.resolutionCache.count == 0)
        try await engine.send(#"""
            {"batch":[
              {"type":"track","anonymousId":"web-1","messageId":"x4","timestamp":"2025-01-01T10:03:00Z","event":"Viewed"},
              {"type":"track","userId":"u-7","messageId":"x5","timestamp":"2025-01-01T10:04:00Z","event":"Viewed"}
            ]}
            """#, key: key)
        #expect(await engine.projector.resolutionCacheHits == 0)
        #expect(try await engine.profile("anonymous_id:web-1").id != engine.profile("user_id:u-7").id)
    }

    @Test func entriesAreKeptPerWorkspaceAndByExactBytes() throws {
        let m = try decode([
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"c1","context":{"device":{"id":"d-1"}}}"#,
            #"{"type":"page","anonymousId":"a-1","messageId":"c2","context":{"ip":"1.1.1.1","device":{"id":"d-1"}}}"#,
            #"{"type":"track","anonymousId":"a-1","event":"E","messageId":"c3","context":{"device":{"id":"d-2"}}}"#,
            #"{"type":"alias","anonymousId":"a-1","previousId":"p","messageId":"c4"}"#,
        ])
        var cache = ResolutionCache(capacity: 2)
        cache.remember(m[0], in: 1, owner: ProfileID(10))
        #expect(cache.owner(of: m[1], in: 1) == ProfileID(10), "the same identity bytes")
        #expect(cache.owner(of: m[1], in: 2) == nil, "another workspace")
        #expect(cache.owner(of: m[2], in: 1) == nil, "another device")
        cache.remember(m[3], in: 1, owner: ProfileID(11))
        #expect(cache.owner(of: m[3], in: 1) == nil && cache.count == 1, "an alias is never remembered")
        cache.remember(m[2], in: 1, owner: ProfileID(12))
        #expect(cache.count == 2)
        cache.remember(m[0], in: 2, owner: ProfileID(13))
        #expect(cache.count == 1, "full: it starts again")
        #expect(cache.owner(of: m[0], in: 2) == ProfileID(13))
        #expect(cache.owner(of: m[0], in: 1) == nil)
    }
}
