import NIOCore
import PostgresNIO
import RapportCore
import RapportStore

extension PostgresStore {
    public func loadProjection() async throws -> ProjectionSnapshot {
        // One snapshot of the database for all the reads: a flush committing in between must not be half seen.
        try await snapshot("loading the projection") { conn in
            let partitions = try await partitionCheckpoints(on: conn)
            var profiles: [ProfileRecord] = []
            for try await (id, workspace, created, merged, aggregates, traits) in try await conn.query("""
                SELECT id, workspace_id, created_at, merged_into, aggregates, traits FROM profiles ORDER BY id
                """, logger: logger).decode((Int64, Int64, Int64, Int64?, String, String).self) {
                profiles.append(ProfileRecord(
                    id: ProfileID(id), workspaceId: workspace, createdAt: created,
                    mergedInto: merged.map(ProfileID.init), aggregates: ProfileCoding.decodeAggregates(aggregates),
                    traits: ProfileCoding.decodeTraits(traits)))
            }
            var identities: [IdentityRecord] = []
            for try await (workspace, kind, value, profile, firstSeen) in try await conn.query("""
                SELECT workspace_id, kind, value, profile_id, first_seen FROM identities ORDER BY flush, ord
                """, logger: logger).decode((Int64, String, String, Int64, Int64).self) {
                identities.append(IdentityRecord(
                    workspaceId: workspace, identifier: Identifier(kind: kind, value: value),
                    profileId: ProfileID(profile), firstSeen: firstSeen))
            }
            let merges = try await Self.merges(on: conn, logger: logger)
            let blocks = try await rows(
                "SELECT workspace_id, a, b FROM merge_blocks", as: (Int64, Int64, Int64).self, on: conn
            ).map { ($0.0, ProfileID($0.1), ProfileID($0.2)) }
            var owners: [[UInt8]] = []
            for try await blob in try await conn.query(
                "SELECT owners FROM event_owners ORDER BY first_seq", logger: logger).decode(ByteBuffer.self) {
                owners.append(Array(blob.readableBytesView))
            }
            return ProjectionSnapshot(
                checkpoint: partitions.min() ?? 0, profiles: profiles, identities: identities, merges: merges,
                mergeBlocks: blocks, eventOwners: owners, partitionCheckpoints: partitions)
        }
    }

    static func merges(on conn: PostgresConnection, logger: Logger) async throws -> [MergeRecord] {
        var out: [MergeRecord] = []
        for try await (id, workspace, from, into, identifier, message, seq, at, undoneAt, undoneBy) in try await conn.query("""
            SELECT id, workspace_id, from_profile, into_profile, identifier, message_id, seq, at, undone_at, undone_by
            FROM merges ORDER BY id
            """, logger: logger).decode((Int64, Int64, Int64, Int64, String, String, Int64, Int64, Int64?, String?).self) {
            out.append(MergeRecord(
                id: id, workspaceId: workspace, from: ProfileID(from), into: ProfileID(into), identifier: identifier,
                messageId: message, seq: seq, at: at, undoneAt: undoneAt, undoneBy: undoneBy))
        }
        return out
    }

    /// Writes a flush in one transaction, each kind of row as one statement
    /// over arrays (`unnest`): a flush of 100,000 changed profiles is a
    /// handful of statements.
    public func saveProjection(_ delta: ProjectionDelta) async throws {
        try await transaction("saving the projection") { conn in
            // The partitions' checkpoint rows, locked in order: the lock orders flushes of a partition (a
            // writer that lost its lease finds another's checkpoint) and a repartition (which locks them all).
            let names = delta.partitions.sorted().map(ProjectionPartitions.checkpointName)
            try await run("""
                INSERT INTO checkpoints (name, seq) SELECT unnest(\(names)::text[]), 0 ON CONFLICT DO NOTHING
                """, on: conn)
            _ = try await rows("""
                SELECT seq FROM checkpoints WHERE name = ANY(\(names)::text[]) ORDER BY name FOR UPDATE
                """, as: Int64.self, on: conn)
            let current = try await partitionCheckpoints(on: conn)
            try delta.check(against: current)
            if !delta.profiles.isEmpty {
                var id: [Int64] = [], workspace: [Int64] = [], created: [Int64] = [], merged: [Int64] = []
                var aggregates: [String] = [], traits: [String] = []
                var scratch: [UInt8] = []
                for p in delta.profiles {
                    id.append(p.id.rawValue)
                    workspace.append(p.workspaceId)
                    created.append(p.createdAt)
                    merged.append(p.mergedInto?.rawValue ?? -1)
                    ProfileCoding.encodeAggregates(p.aggregates, into: &scratch)
                    aggregates.append(String(decoding: scratch, as: UTF8.self))
                    ProfileCoding.encodeTraits(p.traits, into: &scratch)
                    traits.append(String(decoding: scratch, as: UTF8.self))
                }
                // -1 stands for "not merged": arrays of optionals do not bind.
                try await run("""
                    INSERT INTO profiles (workspace_id, id, created_at, merged_into, aggregates, traits)
                    SELECT w, i, c, nullif(m, -1), a, t
                    FROM unnest(\(workspace)::bigint[], \(id)::bigint[], \(created)::bigint[], \(merged)::bigint[],
                                \(aggregates)::text[], \(traits)::text[]) AS u(w, i, c, m, a, t)
                    ON CONFLICT (workspace_id, id) DO UPDATE SET merged_into = excluded.merged_into,
                      aggregates = excluded.aggregates, traits = excluded.traits
                    """, on: conn)
            }
            if !delta.identities.isEmpty {
                var workspace: [Int64] = [], kind: [String] = [], value: [String] = [], profile: [Int64] = []
                var firstSeen: [Int64] = [], ord: [Int64] = []
                for (k, i) in delta.identities.enumerated() {
                    workspace.append(i.workspaceId)
                    kind.append(i.identifier.kind.postgresText)
                    value.append(i.identifier.value.postgresText)
                    profile.append(i.profileId.rawValue)
                    firstSeen.append(i.firstSeen)
                    ord.append(Int64(k))
                }
                // An identifier is stored once, where it was first seen; the projection never sends one
                // twice, and a replay after a crash does not either (the flush it repeats did not commit).
                try await run("""
                    INSERT INTO identities (workspace_id, kind, value, profile_id, first_seen, flush, ord)
                    SELECT w, k, v, p, f, \(delta.checkpoint), o
                    FROM unnest(\(workspace)::bigint[], \(kind)::text[], \(value)::text[], \(profile)::bigint[],
                                \(firstSeen)::bigint[], \(ord)::int[]) AS u(w, k, v, p, f, o)
                    ON CONFLICT (workspace_id, kind, value) DO NOTHING
                    """, on: conn)
            }
            if !delta.merges.isEmpty {
                var id: [Int64] = [], workspace: [Int64] = [], from: [Int64] = [], into: [Int64] = []
                var identifier: [String] = [], message: [String] = [], seq: [Int64] = [], at: [Int64] = []
                var undoneAt: [Int64] = [], undoneBy: [String] = [], undone: [Bool] = []
                for m in delta.merges {
                    id.append(m.id)
                    workspace.append(m.workspaceId)
                    from.append(m.from.rawValue)
                    into.append(m.into.rawValue)
                    identifier.append(m.identifier.postgresText)
                    message.append(m.messageId.postgresText)
                    seq.append(m.seq)
                    at.append(m.at)
                    undone.append(m.undoneAt != nil)
                    undoneAt.append(m.undoneAt ?? 0)
                    undoneBy.append((m.undoneBy ?? "").postgresText)
                }
                try await run("""
                    INSERT INTO merges (workspace_id, id, from_profile, into_profile, identifier, message_id, seq, at,
                                        undone_at, undone_by)
                    SELECT w, i, f, t, idf, mid, s, a, CASE WHEN u THEN ua END, CASE WHEN u THEN ub END
                    FROM unnest(\(workspace)::bigint[], \(id)::bigint[], \(from)::bigint[], \(into)::bigint[],
                                \(identifier)::text[], \(message)::text[], \(seq)::bigint[], \(at)::bigint[],
                                \(undone)::bool[], \(undoneAt)::bigint[], \(undoneBy)::text[])
                         AS x(w, i, f, t, idf, mid, s, a, u, ua, ub)
                    ON CONFLICT (workspace_id, id) DO UPDATE SET from_profile = excluded.from_profile,
                      into_profile = excluded.into_profile, identifier = excluded.identifier,
                      message_id = excluded.message_id, seq = excluded.seq, at = excluded.at,
                      undone_at = excluded.undone_at, undone_by = excluded.undone_by
                    """, on: conn)
            }
            if !delta.warnings.isEmpty {
                var workspace: [Int64] = [], seq: [Int64] = [], ord: [Int64] = [], message: [String] = []
                var identifier: [String] = [], code: [String] = [], detail: [String] = [], at: [Int64] = []
                for (k, w) in delta.warnings.enumerated() {
                    workspace.append(w.workspaceId)
                    seq.append(w.seq)
                    ord.append(Int64(k))
                    message.append(w.messageId.postgresText)
                    identifier.append(w.identifier.postgresText)
                    code.append(w.code.postgresText)
                    detail.append(w.detail.postgresText)
                    at.append(w.at)
                }
                try await run("""
                    INSERT INTO identity_warnings (workspace_id, seq, ord, message_id, identifier, code, detail, at)
                    SELECT * FROM unnest(\(workspace)::bigint[], \(seq)::bigint[], \(ord)::int[], \(message)::text[],
                                         \(identifier)::text[], \(code)::text[], \(detail)::text[], \(at)::bigint[])
                    ON CONFLICT (workspace_id, seq, ord) DO NOTHING
                    """, on: conn)
            }
            if !delta.profileEvents.isEmpty {
                let owners = EventOwnerCoding.encode(delta.profileEvents)
                let first = delta.profileEvents.lazy.map(\.1).min() ?? 0
                let last = delta.profileEvents.lazy.map(\.1).max() ?? 0
                try await run("""
                    INSERT INTO event_owners (first_seq, last_seq, owners) VALUES (\(first), \(last), \(ByteBuffer(bytes: owners)))
                    ON CONFLICT (first_seq) DO UPDATE SET last_seq = excluded.last_seq, owners = excluded.owners
                    """, on: conn)
            }
            if !delta.mergeBlocks.isEmpty {
                let workspace = delta.mergeBlocks.map(\.0)
                let a = delta.mergeBlocks.map { min($0.1, $0.2).rawValue }
                let b = delta.mergeBlocks.map { max($0.1, $0.2).rawValue }
                try await run("""
                    INSERT INTO merge_blocks (workspace_id, a, b)
                    SELECT * FROM unnest(\(workspace)::bigint[], \(a)::bigint[], \(b)::bigint[])
                    ON CONFLICT DO NOTHING
                    """, on: conn)
            }
            try await run("""
                UPDATE checkpoints SET seq = \(delta.checkpoint) WHERE name = ANY(\(names)::text[])
                """, on: conn)
        }
    }

    // MARK: - Partitions

    public func projectionCheckpoints() async throws -> [Int64] {
        try await storage("reading the projection's partitions") {
            try await partitionCheckpoints()
        }
    }

    public func repartitionProjection(count: Int, checkpoint: Int64) async throws {
        try ProjectionPartitions.validate(count: count)
        try await transaction("repartitioning the projection") { conn in
            // Every partition's row locked, in the order flushes lock them.
            _ = try await rows("""
                SELECT seq FROM checkpoints WHERE name = 'profiles' OR name LIKE 'profiles:%' ORDER BY name FOR UPDATE
                """, as: Int64.self, on: conn)
            let current = try await partitionCheckpoints(on: conn)
            guard current.allSatisfy({ $0 == checkpoint }) else {
                throw ProjectionPartitions.repartitionConflict(current, expected: checkpoint)
            }
            let names = (0..<count).map(ProjectionPartitions.checkpointName) + [ProjectionPartitions.countName]
            let values = Array(repeating: checkpoint, count: count) + [Int64(count)]
            try await run("DELETE FROM checkpoints WHERE name LIKE 'profiles:%'", on: conn)
            try await run("""
                INSERT INTO checkpoints (name, seq) SELECT * FROM unnest(\(names)::text[], \(values)::bigint[])
                ON CONFLICT (name) DO UPDATE SET seq = excluded.seq
                """, on: conn)
        }
    }

    /// Each projection partition's checkpoint.
    func partitionCheckpoints(on conn: PostgresConnection? = nil) async throws -> [Int64] {
        ProjectionPartitions.checkpoints(
            from: try await rows("SELECT name, seq FROM checkpoints", as: (String, Int64).self, on: conn))
    }

    public func identityWarnings(workspaceId: WorkspaceID, limit: Int) async throws -> [IdentityWarningRecord] {
        try await storage("reading the identity warnings") {
            try await rows("""
                SELECT workspace_id, seq, message_id, identifier, code, detail, at FROM identity_warnings
                WHERE workspace_id = \(workspaceId) ORDER BY seq DESC, ord DESC LIMIT \(max(0, limit))
                """, as: (Int64, Int64, String, String, String, String, Int64).self
            ).map {
                IdentityWarningRecord(workspaceId: $0.0, seq: $0.1, messageId: $0.2, identifier: $0.3, code: $0.4,
                                      detail: $0.5, at: $0.6)
            }
        }
    }
}
