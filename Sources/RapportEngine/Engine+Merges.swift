import RapportCore
import RapportStore

extension Engine {
    /// Undoes a merge (`mergeId`, or the one `unmerge` would pick for
    /// `profile`: see ``ProfileProjector/mergeToUndo(profile:mergeId:workspaceId:)``)
    /// by appending a `Merge Undone` event and applying it. Through the log,
    /// so that every server sharing the store splits the profile at the same
    /// point, and the projection's writer stores it.
    @discardableResult
    public func unmerge(profile: ProfileID? = nil, mergeId: Int64?, workspaceId: WorkspaceID, by actor: String,
                        now: Int64? = nil) async throws -> MergeRecord {
        let merge = try await projector.mergeToUndo(profile: profile, mergeId: mergeId, workspaceId: workspaceId)
        guard let m = MergeUndoneEvent.message(merge: merge, by: actor, at: now ?? clock.nowMillis(), decoder: decoder)
        else { throw RapportError(.invalidArgument, "the unmerge cannot be written as an event") }
        let events = [EventToAppend(workspaceId: workspaceId, sourceId: RapportSource.id, message: m)]
        let positions = try await store.append(events)
        if positions.first.flatMap({ $0 }) == nil {
            // Already in the log (a repeated request, or another server's): catch up to it.
            try await projector.catchUp(through: try await store.lastSeq())
        } else {
            try await projector.apply(ProjectableEvent.stored(events, positions: positions))
        }
        guard let undone = await projector.merge(id: merge.id), undone.undoneAt != nil else {
            throw RapportError(.conflict, "merge \(merge.id) changed while it was being undone")
        }
        return undone
    }
}
