import RapportCore
import RapportIdentity
import RapportIngest
import RapportStore

/// A page of a profile's timeline.
public struct TimelinePage: Sendable {
    public var events: [TimelineEvent]
    /// Pass as `before` for the next (older) page; `nil` on the last page.
    public var nextBefore: Int64?
}

/// An event on a timeline, with its message decoded for display.
public struct TimelineEvent: Sendable {
    public var stored: StoredEvent
    public var sourceName: String
    /// The message as it arrived.
    public var message: JSONValue
}

extension Engine {
    /// An identifier as the API received it, normalised like the identity
    /// projection normalises identifiers (so `email:A@B.com ` finds `a@b.com`).
    public func normalize(_ identifier: Identifier) -> Identifier {
        if case .accepted(let normalized) = projectionNormalizer.normalize(kind: identifier.kind, value: identifier.value) {
            return normalized
        }
        return identifier
    }

    /// A profile's events, newest first.
    public func timeline(_ id: ProfileID, workspaceId: WorkspaceID, before: Int64?, limit: Int) async throws
        -> TimelinePage
    {
        let seqs = await projector.timelineSeqs(id, workspaceId: workspaceId, before: before, limit: limit + 1)
        let page = Array(seqs.prefix(limit))
        let sources = Dictionary(try await store.sources(workspaceId: workspaceId).map { ($0.id, $0.name) },
                                 uniquingKeysWith: { a, _ in a })
        let events = try await store.events(at: page).sorted { $0.seq > $1.seq }.map { e in
            TimelineEvent(stored: e, sourceName: e.sourceId == RapportSource.id ? RapportSource.name : sources[e.sourceId] ?? "?",
                          message: (try? JSONValue.parse(e.body)) ?? .null)
        }
        return TimelinePage(events: events, nextBefore: seqs.count > limit ? page.last : nil)
    }
}
