import PostgresNIO
import RapportCore
import RapportStore

extension PostgresStore {
    public func workspaces() async throws -> [Workspace] {
        try await storage("reading the workspaces") {
            try await rows("SELECT id, name FROM workspaces ORDER BY id", as: (Int64, String).self)
                .map { Workspace(id: $0.0, name: $0.1) }
        }
    }

    public func createWorkspace(name: String) async throws -> Workspace {
        try await storage("creating the workspace \(name)") {
            let ids = try await rows("INSERT INTO workspaces (name) VALUES (\(name)) RETURNING id", as: Int64.self)
            guard let id = ids.first else { throw RapportError(.storage, "no id returned") }
            return Workspace(id: id, name: name)
        }
    }

    public func sources(workspaceId: WorkspaceID) async throws -> [Source] {
        try await storage("reading the sources") {
            try await rows(
                "SELECT id, workspace_id, name FROM sources WHERE workspace_id = \(workspaceId) ORDER BY id",
                as: (Int64, Int64, String).self
            ).map { Source(id: $0.0, workspaceId: $0.1, name: $0.2) }
        }
    }

    public func createSource(workspaceId: WorkspaceID, name: String) async throws -> Source {
        try await storage("creating the source \(name)") {
            let ids = try await rows(
                "INSERT INTO sources (workspace_id, name) VALUES (\(workspaceId), \(name)) RETURNING id", as: Int64.self)
            guard let id = ids.first else { throw RapportError(.storage, "no id returned") }
            return Source(id: id, workspaceId: workspaceId, name: name)
        }
    }

    public func addWriteKey(hash: String, sourceId: SourceID, now: Int64) async throws {
        try await storage("storing a write key") {
            try await run("INSERT INTO write_keys (key_hash, source_id, created_at) VALUES (\(hash), \(sourceId), \(now))")
        }
    }

    public func writeKeys() async throws -> [(String, Source)] {
        try await storage("reading the write keys") {
            try await rows("""
                SELECT k.key_hash, s.id, s.workspace_id, s.name FROM write_keys k
                JOIN sources s ON s.id = k.source_id WHERE k.revoked_at IS NULL
                """, as: (String, Int64, Int64, String).self
            ).map { ($0.0, Source(id: $0.1, workspaceId: $0.2, name: $0.3)) }
        }
    }

    public func addToken(hash: String, workspaceId: WorkspaceID, role: Role, name: String, now: Int64) async throws {
        try await storage("storing an API token") {
            try await run("""
                INSERT INTO api_tokens (token_hash, workspace_id, role, name, created_at)
                VALUES (\(hash), \(workspaceId), \(role.rawValue), \(name), \(now))
                """)
        }
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        try await storage("reading an API token") {
            let found = try await rows(
                "SELECT workspace_id, role, name FROM api_tokens WHERE token_hash = \(tokenHash)",
                as: (Int64, String, String).self)
            guard let r = found.first, let role = Role(rawValue: r.1) else { return nil }
            return Principal(workspaceId: r.0, role: role, name: r.2)
        }
    }

    public func setUser(workspaceId: WorkspaceID, username: String, passwordHash: String, role: Role) async throws {
        try await storage("storing the user \(username)") {
            try await run("""
                INSERT INTO users (username, workspace_id, password_hash, role)
                VALUES (\(username), \(workspaceId), \(passwordHash), \(role.rawValue))
                ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role
                """)
        }
    }

    public func user(username: String) async throws -> (passwordHash: String, principal: Principal)? {
        try await storage("reading the user \(username)") {
            let found = try await rows(
                "SELECT workspace_id, password_hash, role FROM users WHERE username = \(username)",
                as: (Int64, String, String).self)
            guard let r = found.first, let role = Role(rawValue: r.2) else { return nil }
            return (r.1, Principal(workspaceId: r.0, role: role, name: username))
        }
    }

    // MARK: - Definitions

    public func definitions(workspaceId: WorkspaceID?, kind: DefinitionKind?) async throws -> [DefinitionRecord] {
        try await storage("reading the definitions") {
            let found = try await rows("""
                SELECT workspace_id, kind, name, body, description, tag_group, created_at, updated_at FROM definitions
                WHERE (\(workspaceId)::bigint IS NULL OR workspace_id = \(workspaceId))
                  AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
                ORDER BY workspace_id, kind, name
                """, as: (Int64, String, String, String, String, String, Int64, Int64).self)
            return found.compactMap { r -> DefinitionRecord? in
                guard let kind = DefinitionKind(rawValue: r.1) else { return nil }
                return DefinitionRecord(workspaceId: r.0, kind: kind, name: r.2, body: r.3, description: r.4,
                                        group: r.5, createdAt: r.6, updatedAt: r.7)
            }
        }
    }

    public func saveDefinition(_ d: DefinitionRecord) async throws {
        try await transaction("saving the definition \(d.name)") { conn in
            try await run("""
                INSERT INTO definitions (workspace_id, kind, name, body, description, tag_group, created_at, updated_at)
                VALUES (\(d.workspaceId), \(d.kind.rawValue), \(d.name), \(d.body), \(d.description), \(d.group),
                        \(d.createdAt), \(d.updatedAt))
                ON CONFLICT (workspace_id, kind, name) DO UPDATE SET
                  body = excluded.body, description = excluded.description, updated_at = excluded.updated_at,
                  tag_group = excluded.tag_group
                """, on: conn)
            try await run("UPDATE definitions_version SET version = version + 1 WHERE id = 1", on: conn)
        }
    }

    public func deleteDefinition(workspaceId: WorkspaceID, kind: DefinitionKind, name: String) async throws -> Bool {
        try await transaction("deleting the definition \(name)") { conn in
            let deleted = try await rows("""
                DELETE FROM definitions WHERE workspace_id = \(workspaceId) AND kind = \(kind.rawValue) AND name = \(name)
                RETURNING 1
                """, as: Int.self, on: conn)
            if deleted.isEmpty { return false }
            try await run("UPDATE definitions_version SET version = version + 1 WHERE id = 1", on: conn)
            return true
        }
    }

    public func definitionsVersion() async throws -> Int64 {
        try await storage("reading the definitions' version") {
            try await rows("SELECT version FROM definitions_version WHERE id = 1", as: Int64.self).first ?? 0
        }
    }

    // MARK: - Moving to another store

    public func adminSnapshot() async throws -> AdminSnapshot {
        let definitions = try await self.definitions(workspaceId: nil, kind: nil)
        return try await storage("reading the workspaces, sources and credentials") {
            AdminSnapshot(
                workspaces: try await rows("SELECT id, name FROM workspaces ORDER BY id", as: (Int64, String).self)
                    .map { Workspace(id: $0.0, name: $0.1) },
                sources: try await rows("SELECT id, workspace_id, name FROM sources ORDER BY id",
                                        as: (Int64, Int64, String).self).map { Source(id: $0.0, workspaceId: $0.1, name: $0.2) },
                writeKeys: try await rows(
                    "SELECT key_hash, source_id, created_at, revoked_at FROM write_keys ORDER BY created_at, key_hash",
                    as: (String, Int64, Int64, Int64?).self
                ).map { AdminSnapshot.WriteKey(hash: $0.0, sourceId: $0.1, createdAt: $0.2, revokedAt: $0.3) },
                tokens: try await rows(
                    "SELECT token_hash, workspace_id, role, name, created_at FROM api_tokens ORDER BY created_at, token_hash",
                    as: (String, Int64, String, String, Int64).self
                ).map { AdminSnapshot.Token(hash: $0.0, workspaceId: $0.1, role: $0.2, name: $0.3, createdAt: $0.4) },
                users: try await rows(
                    "SELECT username, workspace_id, password_hash, role FROM users ORDER BY username",
                    as: (String, Int64, String, String).self
                ).map { AdminSnapshot.User(username: $0.0, workspaceId: $0.1, passwordHash: $0.2, role: $0.3) },
                definitions: definitions)
        }
    }

    public func restoreAdmin(_ s: AdminSnapshot) async throws {
        try await transaction("restoring the workspaces, sources and credentials") { conn in
            try await run("LOCK TABLE workspaces IN EXCLUSIVE MODE", on: conn)
            if (try await rows("SELECT count(*) FROM workspaces", as: Int.self, on: conn).first ?? 0) > 0 {
                throw RapportError(.conflict, "the store already has a workspace: restore into an empty one")
            }
            for w in s.workspaces {
                try await run("INSERT INTO workspaces (id, name) VALUES (\(w.id), \(w.name))", on: conn)
            }
            for x in s.sources {
                try await run("INSERT INTO sources (id, workspace_id, name) VALUES (\(x.id), \(x.workspaceId), \(x.name))",
                              on: conn)
            }
            for k in s.writeKeys {
                try await run("""
                    INSERT INTO write_keys (key_hash, source_id, created_at, revoked_at)
                    VALUES (\(k.hash), \(k.sourceId), \(k.createdAt), \(k.revokedAt))
                    """, on: conn)
            }
            for t in s.tokens {
                try await run("""
                    INSERT INTO api_tokens (token_hash, workspace_id, role, name, created_at)
                    VALUES (\(t.hash), \(t.workspaceId), \(t.role), \(t.name), \(t.createdAt))
                    """, on: conn)
            }
            for u in s.users {
                try await run("""
                    INSERT INTO users (username, workspace_id, password_hash, role)
                    VALUES (\(u.username), \(u.workspaceId), \(u.passwordHash), \(u.role))
                    """, on: conn)
            }
            for d in s.definitions {
                try await run("""
                    INSERT INTO definitions (workspace_id, kind, name, body, description, tag_group, created_at, updated_at)
                    VALUES (\(d.workspaceId), \(d.kind.rawValue), \(d.name), \(d.body), \(d.description), \(d.group),
                            \(d.createdAt), \(d.updatedAt))
                    """, on: conn)
            }
            try await run("UPDATE definitions_version SET version = version + 1 WHERE id = 1", on: conn)
            // Ids given explicitly do not move the identity columns on: the next ones come after them.
            try await run("""
                SELECT setval(pg_get_serial_sequence('workspaces', 'id'), coalesce((SELECT max(id) FROM workspaces), 0) + 1, false)
                """, on: conn)
            try await run("""
                SELECT setval(pg_get_serial_sequence('sources', 'id'), coalesce((SELECT max(id) FROM sources), 0) + 1, false)
                """, on: conn)
        }
    }

    // MARK: - Leases

    /// The lease is a row: an upsert that takes it when it is free, expired or
    /// already this owner's, in one statement, so two nodes racing for it
    /// cannot both win. `now` is the caller's clock: nodes' clocks must agree
    /// to well within a lease's length.
    public func acquireLease(name: String, owner: String, now: Int64, until: Int64) async throws -> Bool {
        try await storage("taking the lease \(name)") {
            let holder = try await rows("""
                INSERT INTO leases (name, owner, expires_at) VALUES (\(name), \(owner), \(until))
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE leases.owner = excluded.owner OR leases.expires_at < \(now)
                RETURNING owner
                """, as: String.self)
            return holder.first == owner
        }
    }

    public func releaseLease(name: String, owner: String) async throws {
        try await storage("releasing the lease \(name)") {
            try await run("DELETE FROM leases WHERE name = \(name) AND owner = \(owner)")
        }
    }

    public func leases(now: Int64) async throws -> [LeaseRecord] {
        try await storage("reading the leases") {
            try await rows(
                "SELECT name, owner, expires_at FROM leases WHERE expires_at >= \(now) ORDER BY name",
                as: (String, String, Int64).self
            ).map { LeaseRecord(name: $0.0, owner: $0.1, expiresAt: $0.2) }
        }
    }

    // MARK: - Statistics

    public func stats(workspaceId: WorkspaceID?) async throws -> StoreStats {
        // One snapshot for all the counts: a flush committing in between must not show its checkpoint
        // without its profiles.
        try await snapshot("reading the statistics") { conn in
            let ws = workspaceId
            var byType: [String: Int] = [:]
            var total = 0
            for (name, n) in try await rows("""
                SELECT name, sum(count)::bigint FROM event_counts
                WHERE (\(ws)::bigint IS NULL OR workspace_id = \(ws)) GROUP BY name
                """, as: (String, Int).self, on: conn) {
                byType[name] = n
                total += n
            }
            var bySource: [String: Int] = [:]
            for (name, n) in try await rows("""
                SELECT coalesce(s.name, \(RapportSource.name)), sum(c.count)::bigint FROM event_counts c
                LEFT JOIN sources s ON s.id = c.source_id
                WHERE (\(ws)::bigint IS NULL OR c.workspace_id = \(ws)) GROUP BY 1
                """, as: (String, Int).self, on: conn) {
                bySource[name] = n
            }
            var byKind: [String: Int] = [:]
            for (kind, n) in try await rows("""
                SELECT kind, count(*) FROM identities WHERE (\(ws)::bigint IS NULL OR workspace_id = \(ws)) GROUP BY kind
                """, as: (String, Int).self, on: conn) {
                byKind[kind] = n
            }
            var profiles = 0
            var live = 0
            var orders = 0
            var revenue = 0.0
            let sequence = try await conn.query("""
                SELECT merged_into IS NULL, aggregates FROM profiles WHERE (\(ws)::bigint IS NULL OR workspace_id = \(ws))
                """, logger: logger)
            for try await (isLive, aggregates) in sequence.decode((Bool, String).self) {
                profiles += 1
                if isLive { live += 1 }
                let a = ProfileCoding.decodeAggregates(aggregates)
                orders += a.orders
                revenue += a.revenue - a.refundedAmount
            }
            let merges = try await rows("""
                SELECT count(*), count(undone_at) FROM merges WHERE (\(ws)::bigint IS NULL OR workspace_id = \(ws))
                """, as: (Int, Int).self, on: conn).first ?? (0, 0)
            let warnings = try await rows("""
                SELECT count(*) FROM identity_warnings WHERE (\(ws)::bigint IS NULL OR workspace_id = \(ws))
                """, as: Int.self, on: conn).first ?? 0
            let checkpoint = try await partitionCheckpoints(on: conn).min() ?? 0
            return StoreStats(
                events: total, eventsByType: byType, eventsBySource: bySource, profiles: profiles, liveProfiles: live,
                identifiersByKind: byKind, orders: orders, revenue: revenue, merges: merges.0,
                undoneMerges: merges.1, identityWarnings: warnings, checkpoint: checkpoint,
                lastSeq: (try await rows("SELECT next_seq FROM log_head WHERE id = 1", as: Int64.self, on: conn).first ?? 1) - 1)
        }
    }

    /// Events per UTC day of their time and source, from the day `days` before `now` on.
    public func dailyCounts(workspaceId: WorkspaceID, days: Int, now: Int64) async throws -> [DailyCount] {
        let from = EventCountKey.day(of: now) - Int64(max(1, min(days, 3650)))
        return try await storage("reading the daily counts") {
            try await rows("""
                SELECT to_char(DATE '1970-01-01' + c.day::int, 'YYYY-MM-DD'),
                  coalesce(s.name, \(RapportSource.name)) AS source, sum(c.count)::bigint
                FROM event_counts c LEFT JOIN sources s ON s.id = c.source_id
                WHERE c.workspace_id = \(workspaceId) AND c.day >= \(from)
                GROUP BY c.day, source ORDER BY c.day, source
                """, as: (String, String, Int).self
            ).map { DailyCount(day: $0.0, source: $0.1, count: $0.2) }
        }
    }
}
