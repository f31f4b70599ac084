import RapportCore

/// The append-only event log: the source of truth.
public protocol EventLog: Sendable {
    /// Appends events in one durable transaction. Returns, per event in order,
    /// its log position, or `nil` if it is a retry: a message with the same
    /// (source, messageId) was appended within the dedupe window, or earlier
    /// in `events`. Returns only once the transaction is durable.
    func append(_ events: [EventToAppend]) async throws -> [Int64?]
    /// Events after `seq`, in log order, at most `limit`.
    func events(after seq: Int64, limit: Int) async throws -> [StoredEvent]
    /// The highest log position, 0 if the log is empty.
    func lastSeq() async throws -> Int64
    /// Events with these positions, in log order.
    func events(at seqs: [Int64]) async throws -> [StoredEvent]
    /// Whether a message with this id from this source is in the log, however
    /// long ago it was appended.
    func containsMessage(sourceId: SourceID, messageId: String) async throws -> Bool
}

/// Durable state of the identity and profile projection.
public protocol ProjectionStore: Sendable {
    func loadProjection() async throws -> ProjectionSnapshot
    /// Writes a projection's changes and its checkpoint atomically.
    func saveProjection(_ delta: ProjectionDelta) async throws
    /// Warnings recorded for identifiers of these profiles' events, newest first.
    func identityWarnings(workspaceId: WorkspaceID, limit: Int) async throws -> [IdentityWarningRecord]
    /// Tries to take (or renew) the named lease for `owner` until `until`
    /// (ms since 1970). Returns whether `owner` holds it now.
    func acquireLease(name: String, owner: String, now: Int64, until: Int64) async throws -> Bool
    func releaseLease(name: String, owner: String) async throws
    /// The leases held now (not expired at `now`, ms since 1970).
    func leases(now: Int64) async throws -> [LeaseRecord]
    /// Each partition's checkpoint (``ProjectionPartitions``): as many as
    /// the projection has partitions.
    func projectionCheckpoints() async throws -> [Int64]
    /// Divides the projection into `count` partitions. Every partition's
    /// checkpoint must be `checkpoint` (the whole log up to there projected
    /// and flushed), or this fails with `.conflict`; the new partitions all
    /// start from it. Their writers must have stopped: a delta computed for
    /// the old count is refused afterwards.
    func repartitionProjection(count: Int, checkpoint: Int64) async throws
}

/// Workspaces, sources and credentials.
public protocol AdminStore: Sendable {
    func workspaces() async throws -> [Workspace]
    func createWorkspace(name: String) async throws -> Workspace
    func sources(workspaceId: WorkspaceID) async throws -> [Source]
    func createSource(workspaceId: WorkspaceID, name: String) async throws -> Source
    /// Stores a write key's hash for a source.
    func addWriteKey(hash: String, sourceId: SourceID, now: Int64) async throws
    /// All (write key hash, source) pairs that are not revoked.
    func writeKeys() async throws -> [(String, Source)]
    func addToken(hash: String, workspaceId: WorkspaceID, role: Role, name: String, now: Int64) async throws
    func principal(tokenHash: String) async throws -> Principal?
    func setUser(workspaceId: WorkspaceID, username: String, passwordHash: String, role: Role) async throws
    func user(username: String) async throws -> (passwordHash: String, principal: Principal)?
    /// A workspace's definitions of one kind (all kinds when `nil`), by name.
    func definitions(workspaceId: WorkspaceID?, kind: DefinitionKind?) async throws -> [DefinitionRecord]
    /// Creates or replaces a definition (keeping its creation time).
    func saveDefinition(_ d: DefinitionRecord) async throws
    /// Deletes a definition; whether there was one.
    func deleteDefinition(workspaceId: WorkspaceID, kind: DefinitionKind, name: String) async throws -> Bool
    /// Goes up with every change to the definitions, from any process.
    func definitionsVersion() async throws -> Int64
    /// Workspaces, sources, credentials and definitions, ids included.
    func adminSnapshot() async throws -> AdminSnapshot
    /// Writes a snapshot into a store that has no workspace yet, keeping
    /// every id (the log's events name their workspace and source by id);
    /// later workspaces and sources get ids after them.
    func restoreAdmin(_ snapshot: AdminSnapshot) async throws
}

/// A Rapport store: everything the engine persists. SQLite and PostgreSQL
/// implement it.
public protocol RapportStore: EventLog, ProjectionStore, AdminStore {
    func stats(workspaceId: WorkspaceID?) async throws -> StoreStats
    func dailyCounts(workspaceId: WorkspaceID, days: Int, now: Int64) async throws -> [DailyCount]
    func close() async throws
}
