import RapportCore

/// An event as the log holds it.
public struct StoredEvent: Sendable {
    /// Position in the log: strictly increasing, never reused.
    public var seq: Int64
    public var workspaceId: WorkspaceID
    public var sourceId: SourceID
    public var messageId: String
    public var type: MessageType
    /// The display name: the track event name, or the message type.
    public var name: String
    /// Event time (after clock-skew correction), milliseconds since 1970.
    public var timestamp: Int64
    /// When the server received it, milliseconds since 1970.
    public var receivedAt: Int64
    /// The message JSON exactly as received.
    public var body: [UInt8]

    public init(seq: Int64, workspaceId: WorkspaceID, sourceId: SourceID, messageId: String, type: MessageType,
                name: String, timestamp: Int64, receivedAt: Int64, body: [UInt8]) {
        self.seq = seq
        self.workspaceId = workspaceId
        self.sourceId = sourceId
        self.messageId = messageId
        self.type = type
        self.name = name
        self.timestamp = timestamp
        self.receivedAt = receivedAt
        self.body = body
    }
}

/// A message on its way into the log.
/// The source of Rapport's own events (`Segment Entered`, `Segment Exited`):
/// id 0 in every workspace, which no row of `sources` takes (their ids
/// start at 1).
public enum RapportSource {
    public static let id: SourceID = 0
    public static let name = "rapport"
}

public struct EventToAppend: Sendable {
    public var workspaceId: WorkspaceID
    public var sourceId: SourceID
    public var message: Message

    public init(workspaceId: WorkspaceID, sourceId: SourceID, message: Message) {
        self.workspaceId = workspaceId
        self.sourceId = sourceId
        self.message = message
    }
}

/// A workspace (tenant).
public struct Workspace: Sendable, Hashable, Codable {
    public var id: WorkspaceID
    public var name: String
    public init(id: WorkspaceID, name: String) {
        self.id = id
        self.name = name
    }
}

/// A channel that sends events: web, app, mini-program, store POS, CRM, …
public struct Source: Sendable, Hashable, Codable {
    public var id: SourceID
    public var workspaceId: WorkspaceID
    public var name: String
    public init(id: SourceID, workspaceId: WorkspaceID, name: String) {
        self.id = id
        self.workspaceId = workspaceId
        self.name = name
    }
}

/// What an API token or console user may do. Each role is allowed only what it
/// needs; see `Permission`.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case admin, analyst, `operator`, support
}

/// A credential's owner, as authentication finds it.
public struct Principal: Sendable, Hashable {
    public var workspaceId: WorkspaceID
    public var role: Role
    public var name: String
    public init(workspaceId: WorkspaceID, role: Role, name: String) {
        self.workspaceId = workspaceId
        self.role = role
        self.name = name
    }
}

/// The value of a trait and when it was set (event time, ms since 1970, and
/// the log position of the event, which breaks ties between equal times).
public struct TraitValue: Sendable, Hashable {
    public var value: JSONValue
    public var setAt: Int64
    public var seq: Int64
    public init(value: JSONValue, setAt: Int64, seq: Int64 = 0) {
        self.value = value
        self.setAt = setAt
        self.seq = seq
    }

    /// Whether this value was set after `other` (by event time, then log position).
    public func isNewer(than other: TraitValue) -> Bool {
        (setAt, seq) > (other.setAt, other.seq)
    }
}

/// Per-profile aggregates kept by the profile projection.
public struct ProfileAggregates: Sendable, Hashable {
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    public var eventCount: Int = 0
    public var orders: Int = 0
    public var revenue: Double = 0
    public var refunds: Int = 0
    public var refundedAmount: Double = 0
    public var firstOrderAt: Int64?
    public var lastOrderAt: Int64?
    /// Events per display name.
    public var eventCounts: [String: Int] = [:]
    /// Tags set by hand (`Tag Added` events), with when each was set.
    public var tags: [String: Int64] = [:]

    public init() {}

    /// Combines two profiles' aggregates (for a profile and what merged into it).
    public mutating func absorb(_ other: ProfileAggregates) {
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        eventCount += other.eventCount
        orders += other.orders
        revenue += other.revenue
        refunds += other.refunds
        refundedAmount += other.refundedAmount
        if let o = other.firstOrderAt { firstOrderAt = min(firstOrderAt ?? o, o) }
        if let o = other.lastOrderAt { lastOrderAt = max(lastOrderAt ?? o, o) }
        for (k, v) in other.eventCounts { eventCounts[k, default: 0] += v }
        for (k, v) in other.tags { tags[k] = min(tags[k] ?? v, v) }
    }
}

/// One profile's stored state: its own identifiers' events only. A profile
/// that merged into another keeps its state; readers combine the members.
public struct ProfileRecord: Sendable {
    public var id: ProfileID
    public var workspaceId: WorkspaceID
    public var createdAt: Int64
    public var mergedInto: ProfileID?
    public var aggregates: ProfileAggregates
    public var traits: [String: TraitValue]

    public init(id: ProfileID, workspaceId: WorkspaceID, createdAt: Int64, mergedInto: ProfileID? = nil,
                aggregates: ProfileAggregates = ProfileAggregates(), traits: [String: TraitValue] = [:]) {
        self.id = id
        self.workspaceId = workspaceId
        self.createdAt = createdAt
        self.mergedInto = mergedInto
        self.aggregates = aggregates
        self.traits = traits
    }
}

/// An identifier and the profile it was first attached to.
public struct IdentityRecord: Sendable, Hashable {
    public var workspaceId: WorkspaceID
    public var identifier: Identifier
    public var profileId: ProfileID
    public var firstSeen: Int64
    public init(workspaceId: WorkspaceID, identifier: Identifier, profileId: ProfileID, firstSeen: Int64) {
        self.workspaceId = workspaceId
        self.identifier = identifier
        self.profileId = profileId
        self.firstSeen = firstSeen
    }
}

/// A merge of one profile into another, with its cause.
public struct MergeRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var workspaceId: WorkspaceID
    public var from: ProfileID
    public var into: ProfileID
    /// The identifier both profiles turned out to share.
    public var identifier: String
    /// The message that caused it, and its log position.
    public var messageId: String
    public var seq: Int64
    public var at: Int64
    public var undoneAt: Int64?
    public var undoneBy: String?

    public init(id: Int64, workspaceId: WorkspaceID, from: ProfileID, into: ProfileID, identifier: String,
                messageId: String, seq: Int64, at: Int64, undoneAt: Int64? = nil, undoneBy: String? = nil) {
        self.id = id
        self.workspaceId = workspaceId
        self.from = from
        self.into = into
        self.identifier = identifier
        self.messageId = messageId
        self.seq = seq
        self.at = at
        self.undoneAt = undoneAt
        self.undoneBy = undoneBy
    }
}

/// An identifier the resolver left out, and why.
public struct IdentityWarningRecord: Sendable, Hashable, Codable {
    public var workspaceId: WorkspaceID
    public var seq: Int64
    public var messageId: String
    public var identifier: String
    public var code: String
    public var detail: String
    public var at: Int64
    public init(workspaceId: WorkspaceID, seq: Int64, messageId: String, identifier: String, code: String,
                detail: String, at: Int64) {
        self.workspaceId = workspaceId
        self.seq = seq
        self.messageId = messageId
        self.identifier = identifier
        self.code = code
        self.detail = detail
        self.at = at
    }
}

/// What a projection changed since its last flush; written atomically with
/// its new checkpoint.
public struct ProjectionDelta: Sendable {
    /// The new checkpoint of every partition in ``partitions``.
    public var checkpoint: Int64
    /// The partitions (``ProjectionPartitions``) whose changes this delta
    /// holds, and whose checkpoints move to ``checkpoint``.
    public var partitions: [Int] = [0]
    /// How many partitions the writer projects for; the save fails with
    /// `.conflict` if the store has been repartitioned since.
    public var partitionCount = 1
    /// Per partition, the checkpoint the writer started from (what it loaded
    /// or last wrote). The save fails with `.conflict` if the store's
    /// checkpoint of one of them is another: another process flushed
    /// meanwhile (a writer that lost its lease without knowing it), and this
    /// delta must not land on top of that one. A partition missing here is
    /// not checked.
    public var expectedCheckpoints: [Int: Int64] = [:]
    public var profiles: [ProfileRecord] = []
    public var identities: [IdentityRecord] = []
    public var merges: [MergeRecord] = []
    public var warnings: [IdentityWarningRecord] = []
    /// (direct profile, log position) for every projected event.
    public var profileEvents: [(ProfileID, Int64)] = []
    /// Pairs an operator split apart; they are not merged again automatically.
    public var mergeBlocks: [(WorkspaceID, ProfileID, ProfileID)] = []

    public init(checkpoint: Int64) { self.checkpoint = checkpoint }

    /// The checkpoint the writer started from for each partition not in
    /// ``expectedCheckpoints``; `nil`: not checked.
    public var expectedCheckpoint: Int64?

    /// The checkpoint a partition's writer started from, if the save checks it.
    public func expected(for partition: Int) -> Int64? {
        expectedCheckpoints[partition] ?? expectedCheckpoint
    }

    /// Throws if the delta may not be saved over the store's partitions'
    /// checkpoints `current`: another count, a partition that does not
    /// exist, or a checkpoint another writer moved (`.conflict`).
    public func check(against current: [Int64]) throws(RapportError) {
        guard current.count == partitionCount else {
            throw ProjectionPartitions.countConflict(store: current.count, delta: partitionCount)
        }
        for p in partitions {
            guard current.indices.contains(p) else {
                throw RapportError(.invalidArgument, "no projection partition \(p) of \(current.count)")
            }
            if let expected = expected(for: p), current[p] != expected {  // trap-ok: p in indices
                throw ProjectionFence.conflict(expected: expected, found: current[p])  // trap-ok: as above
            }
        }
    }

    public var isEmpty: Bool {
        profiles.isEmpty && identities.isEmpty && merges.isEmpty && warnings.isEmpty && profileEvents.isEmpty
            && mergeBlocks.isEmpty
    }
}

/// Everything the identity and profile projection needs at start-up.
public struct ProjectionSnapshot: Sendable {
    /// The lowest checkpoint of the partitions: the log is projected up to
    /// here in every one.
    public var checkpoint: Int64
    /// Each partition's checkpoint (``ProjectionPartitions``); as many as
    /// there are partitions. The snapshot holds each partition's state as
    /// of its own checkpoint.
    public var partitionCheckpoints: [Int64]
    public var profiles: [ProfileRecord]
    public var identities: [IdentityRecord]
    public var merges: [MergeRecord]
    public var mergeBlocks: [(WorkspaceID, ProfileID, ProfileID)]
    /// Which profile each projected event landed on, as `EventOwnerCoding`
    /// blobs in log order.
    public var eventOwners: [[UInt8]]
    public init(checkpoint: Int64, profiles: [ProfileRecord], identities: [IdentityRecord], merges: [MergeRecord],
                mergeBlocks: [(WorkspaceID, ProfileID, ProfileID)], eventOwners: [[UInt8]] = [],
                partitionCheckpoints: [Int64]? = nil) {
        let partitions = partitionCheckpoints ?? [checkpoint]
        self.partitionCheckpoints = partitions.isEmpty ? [checkpoint] : partitions
        self.checkpoint = partitions.min() ?? checkpoint
        self.profiles = profiles
        self.identities = identities
        self.merges = merges
        self.mergeBlocks = mergeBlocks
        self.eventOwners = eventOwners
    }
}

/// What a data directory holds, for `rapport stats` and the console overview.
public struct StoreStats: Sendable, Codable {
    public var events: Int
    public var eventsByType: [String: Int]
    public var eventsBySource: [String: Int]
    public var profiles: Int
    public var liveProfiles: Int
    public var identifiersByKind: [String: Int]
    public var orders: Int
    public var revenue: Double
    public var merges: Int
    public var undoneMerges: Int
    public var identityWarnings: Int
    public var checkpoint: Int64
    public var lastSeq: Int64
    public init(events: Int, eventsByType: [String: Int], eventsBySource: [String: Int], profiles: Int,
                liveProfiles: Int, identifiersByKind: [String: Int], orders: Int, revenue: Double, merges: Int,
                undoneMerges: Int, identityWarnings: Int, checkpoint: Int64, lastSeq: Int64) {
        self.events = events
        self.eventsByType = eventsByType
        self.eventsBySource = eventsBySource
        self.profiles = profiles
        self.liveProfiles = liveProfiles
        self.identifiersByKind = identifiersByKind
        self.orders = orders
        self.revenue = revenue
        self.merges = merges
        self.undoneMerges = undoneMerges
        self.identityWarnings = identityWarnings
        self.checkpoint = checkpoint
        self.lastSeq = lastSeq
    }
}

/// Events per day and source, for the overview chart.
public struct DailyCount: Sendable, Hashable, Codable {
    public var day: String
    public var source: String
    public var count: Int
    public init(day: String, source: String, count: Int) {
        self.day = day
        self.source = source
        self.count = count
    }
}

/// What a definition defines.
public enum DefinitionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case segment
    case trait
    /// A tag: `body` is its rule (a condition that keeps it current) or empty
    /// for a tag set by hand only; `group` says which dimension it belongs to.
    case tag
    /// The workspace's lifecycle stage model: one record named `model`, its
    /// body the model as JSON (`LifecycleModel`).
    case lifecycle
    /// Which events are purchases and which property their amount, for RFM:
    /// one record named `model`, its body JSON (`RFMModel`).
    case rfm
    /// How customers are clustered and the last fit: one record named
    /// `model`, its body JSON (`ClusterModel`).
    case cluster
}

/// A segment, computed trait or tag as stored: its text (a condition, a
/// trait expression, a tag's rule), kept as the operator wrote it.
public struct DefinitionRecord: Sendable, Hashable, Codable {
    public var workspaceId: WorkspaceID
    public var kind: DefinitionKind
    public var name: String
    public var body: String
    public var description: String
    /// A tag's group (`member_level`, `loyalty`, …); empty for other kinds.
    public var group: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(workspaceId: WorkspaceID, kind: DefinitionKind, name: String, body: String, description: String = "",
                group: String = "", createdAt: Int64, updatedAt: Int64) {
        self.workspaceId = workspaceId
        self.kind = kind
        self.name = name
        self.body = body
        self.description = description
        self.group = group
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Everything a store holds besides the log and what projections derive
/// from it, with its ids: what `rapport export` carries to another store.
public struct AdminSnapshot: Sendable, Codable, Equatable {
    public struct WriteKey: Sendable, Codable, Equatable {
        public var hash: String
        public var sourceId: SourceID
        public var createdAt: Int64
        public var revokedAt: Int64?
        public init(hash: String, sourceId: SourceID, createdAt: Int64, revokedAt: Int64? = nil) {
            self.hash = hash
            self.sourceId = sourceId
            self.createdAt = createdAt
            self.revokedAt = revokedAt
        }
    }

    public struct Token: Sendable, Codable, Equatable {
        public var hash: String
        public var workspaceId: WorkspaceID
        public var role: String
        public var name: String
        public var createdAt: Int64
        public init(hash: String, workspaceId: WorkspaceID, role: String, name: String, createdAt: Int64) {
            self.hash = hash
            self.workspaceId = workspaceId
            self.role = role
            self.name = name
            self.createdAt = createdAt
        }
    }

    public struct User: Sendable, Codable, Equatable {
        public var username: String
        public var workspaceId: WorkspaceID
        public var passwordHash: String
        public var role: String
        public init(username: String, workspaceId: WorkspaceID, passwordHash: String, role: String) {
            self.username = username
            self.workspaceId = workspaceId
            self.passwordHash = passwordHash
            self.role = role
        }
    }

    public var workspaces: [Workspace]
    public var sources: [Source]
    public var writeKeys: [WriteKey]
    public var tokens: [Token]
    public var users: [User]
    public var definitions: [DefinitionRecord]

    public init(workspaces: [Workspace], sources: [Source], writeKeys: [WriteKey], tokens: [Token], users: [User],
                definitions: [DefinitionRecord]) {
        self.workspaces = workspaces
        self.sources = sources
        self.writeKeys = writeKeys
        self.tokens = tokens
        self.users = users
        self.definitions = definitions
    }
}

/// The error a fenced projection save throws.
public enum ProjectionFence {
    public static func conflict(expected: Int64, found: Int64) -> RapportError {
        RapportError(.conflict, "the projection was flushed by another process (checkpoint \(found), this one started "
                     + "from \(expected)): not writing over it")
    }
}

/// How the projection's writing is divided among servers.
///
/// Workspaces fall into `count` partitions, a workspace into its id modulo
/// the count. Each partition has its own checkpoint (`profiles` for the
/// first, `profiles:N` for the others, in the `checkpoints` table) and its own
/// writer's lease, so several servers each write the projection of some
/// workspaces. Every server still follows the whole log in memory to serve
/// reads. The count is stored with the checkpoints (1 when absent) and
/// changes only through ``ProjectionStore/repartitionProjection(count:checkpoint:)``.
public enum ProjectionPartitions {
    /// The most partitions a store can have.
    public static let maximum = 64
    /// The `checkpoints` row that holds the count.
    public static let countName = "projection_partitions"

    /// The partition of a workspace.
    public static func partition(of workspace: WorkspaceID, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let n = Int64(count)
        return Int(((workspace % n) + n) % n)
    }

    /// The name of a partition's checkpoint row.
    public static func checkpointName(_ partition: Int) -> String {
        partition == 0 ? "profiles" : "profiles:\(partition)"
    }

    /// The name of a partition's writer's lease: `projection` when there is
    /// one partition, as before partitions existed.
    public static func leaseName(_ partition: Int, count: Int) -> String {
        count <= 1 ? "projection" : "projection:\(partition)"
    }

    /// Each partition's checkpoint, from the rows of the `checkpoints` table.
    public static func checkpoints(from rows: [(String, Int64)]) -> [Int64] {
        var byName: [String: Int64] = [:]
        for (name, seq) in rows { byName[name] = seq }
        let count = Int(clamping: min(max(byName[countName] ?? 1, 1), Int64(maximum)))
        return (0..<count).map { byName[checkpointName($0)] ?? 0 }
    }

    /// Checks a requested count.
    public static func validate(count: Int) throws(RapportError) {
        guard (1...maximum).contains(count) else {
            throw RapportError(.invalidArgument, "the projection's partitions must number 1 to \(maximum), not \(count)")
        }
    }

    package static func repartitionConflict(_ checkpoints: [Int64], expected: Int64) -> RapportError {
        RapportError(.conflict, "the projection's partitions are at checkpoints \(checkpoints), not all at \(expected): "
                     + "project the whole log and flush every partition before repartitioning")
    }

    static func countConflict(store: Int, delta: Int) -> RapportError {
        RapportError(.conflict, "the store's projection has \(store) partitions, this writer projects for \(delta): "
                     + "it was repartitioned; not writing")
    }
}

/// A lease as the store holds it.
public struct LeaseRecord: Sendable, Hashable, Codable {
    public var name: String
    public var owner: String
    /// Ms since 1970.
    public var expiresAt: Int64
    public init(name: String, owner: String, expiresAt: Int64) {
        self.name = name
        self.owner = owner
        self.expiresAt = expiresAt
    }
}
