import Foundation
import GRDB
import RapportCore

extension SQLiteStore {
    public func workspaces() async throws -> [Workspace] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name FROM workspaces ORDER BY id").map {
                Workspace(id: $0[0], name: $0[1])
            }
        }
    }

    public func createWorkspace(name: String) async throws -> Workspace {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO workspaces (name) VALUES (?)", arguments: [name])
            return Workspace(id: db.lastInsertedRowID, name: name)
        }
    }

    public func sources(workspaceId: WorkspaceID) async throws -> [Source] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, workspace_id, name FROM sources WHERE workspace_id = ? ORDER BY id",
                arguments: [workspaceId]
            ).map { Source(id: $0[0], workspaceId: $0[1], name: $0[2]) }
        }
    }

    public func createSource(workspaceId: WorkspaceID, name: String) async throws -> Source {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sources (workspace_id, name) VALUES (?, ?)", arguments: [workspaceId, name])
            return Source(id: db.lastInsertedRowID, workspaceId: workspaceId, name: name)
        }
    }

    public func addWriteKey(hash: String, sourceId: SourceID, now: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO write_keys (key_hash, source_id, created_at) VALUES (?, ?, ?)",
                arguments: [hash, sourceId, now])
        }
    }

    public func writeKeys() async throws -> [(String, Source)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT k.key_hash, s.id, s.workspace_id, s.name FROM write_keys k
                JOIN sources s ON s.id = k.source_id WHERE k.revoked_at IS NULL
                """
            ).map { ($0[0], Source(id: $0[1], workspaceId: $0[2], name: $0[3])) }
        }
    }

    public func addToken(hash: String, workspaceId: WorkspaceID, role: Role, name: String, now: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO api_tokens (token_hash, workspace_id, role, name, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [hash, workspaceId, role.rawValue, name, now])
        }
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        try await pool.read { db in
            guard let r = try Row.fetchOne(
                db, sql: "SELECT workspace_id, role, name FROM api_tokens WHERE token_hash = ?",
                arguments: [tokenHash])
            else { return nil }
            guard let role = Role(rawValue: r[1]) else { return nil }
            return Principal(workspaceId: r[0], role: role, name: r[2])
        }
    }

    public func setUser(workspaceId: WorkspaceID, username: String, passwordHash: String, role: Role) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (username, workspace_id, password_hash, role) VALUES (?, ?, ?, ?)
                    ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role
                    """,
                arguments: [username, workspaceId, passwordHash, role.rawValue])
        }
    }

    public func user(username: String) async throws -> (passwordHash: String, principal: Principal)? {
        try await pool.read { db in
            guard let r = try Row.fetchOne(
                db, sql: "SELECT workspace_id, password_hash, role FROM users WHERE username = ?",
                arguments: [username])
            else { return nil }
            guard let role = Role(rawValue: r[2]) else { return nil }
            return (r[1], Principal(workspaceId: r[0], role: role, name: username))
        }
    }

    // MARK: - Definitions

    public func definitions(workspaceId: WorkspaceID?, kind: DefinitionKind?) async throws -> [DefinitionRecord] {
        try await pool.read { db in
            var sql = """
                SELECT workspace_id, kind, name, body, description, created_at, updated_at, tag_group
                FROM definitions WHERE 1
                """
            var arguments: StatementArguments = []
            if let workspaceId {
                sql += " AND workspace_id = ?"
                arguments += [workspaceId]
            }
            if let kind {
                sql += " AND kind = ?"
                arguments += [kind.rawValue]
            }
            sql += " ORDER BY workspace_id, kind, name"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { r -> DefinitionRecord? in
                guard let kind = DefinitionKind(rawValue: r[1]) else { return nil }
                return DefinitionRecord(workspaceId: r[0], kind: kind, name: r[2], body: r[3], description: r[4],
                                        group: r[7], createdAt: r[5], updatedAt: r[6])
            }
        }
    }

    public func saveDefinition(_ d: DefinitionRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO definitions (workspace_id, kind, name, body, description, created_at, updated_at, tag_group)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(workspace_id, kind, name) DO UPDATE SET
                      body = excluded.body, description = excluded.description, updated_at = excluded.updated_at,
                      tag_group = excluded.tag_group
                    """,
                arguments: [d.workspaceId, d.kind.rawValue, d.name, d.body, d.description, d.createdAt, d.updatedAt,
                            d.group])
            try db.execute(sql: "UPDATE definitions_version SET version = version + 1 WHERE id = 1")
        }
    }

    public func deleteDefinition(workspaceId: WorkspaceID, kind: DefinitionKind, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM definitions WHERE workspace_id = ? AND kind = ? AND name = ?",
                           arguments: [workspaceId, kind.rawValue, name])
            let deleted = db.changesCount > 0
            if deleted { try db.execute(sql: "UPDATE definitions_version SET version = version + 1 WHERE id = 1") }
            return deleted
        }
    }

    public func definitionsVersion() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT version FROM definitions_version WHERE id = 1") ?? 0 }
    }

    // MARK: - Moving to another store

    public func adminSnapshot() async throws -> AdminSnapshot {
        let definitions = try await self.definitions(workspaceId: nil, kind: nil)
        return try await pool.read { db in
            AdminSnapshot(
                workspaces: try Row.fetchAll(db, sql: "SELECT id, name FROM workspaces ORDER BY id").map {
                    Workspace(id: $0[0], name: $0[1])
                },
                sources: try Row.fetchAll(db, sql: "SELECT id, workspace_id, name FROM sources ORDER BY id").map {
                    Source(id: $0[0], workspaceId: $0[1], name: $0[2])
                },
                writeKeys: try Row.fetchAll(
                    db, sql: "SELECT key_hash, source_id, created_at, revoked_at FROM write_keys ORDER BY created_at, key_hash"
                ).map { AdminSnapshot.WriteKey(hash: $0[0], sourceId: $0[1], createdAt: $0[2], revokedAt: $0[3]) },
                tokens: try Row.fetchAll(
                    db, sql: "SELECT token_hash, workspace_id, role, name, created_at FROM api_tokens ORDER BY created_at, token_hash"
                ).map { AdminSnapshot.Token(hash: $0[0], workspaceId: $0[1], role: $0[2], name: $0[3], createdAt: $0[4]) },
                users: try Row.fetchAll(
                    db, sql: "SELECT username, workspace_id, password_hash, role FROM users ORDER BY username"
                ).map { AdminSnapshot.User(username: $0[0], workspaceId: $0[1], passwordHash: $0[2], role: $0[3]) },
                definitions: definitions)
        }
    }

    public func restoreAdmin(_ s: AdminSnapshot) async throws {
        try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workspaces") ?? 0 > 0 {
                throw RapportError(.conflict, "the store already has a workspace: restore into an empty one")
            }
            for w in s.workspaces {
                try db.execute(sql: "INSERT INTO workspaces (id, name) VALUES (?, ?)", arguments: [w.id, w.name])
            }
            for x in s.sources {
                try db.execute(sql: "INSERT INTO sources (id, workspace_id, name) VALUES (?, ?, ?)",
                               arguments: [x.id, x.workspaceId, x.name])
            }
            for k in s.writeKeys {
                try db.execute(
                    sql: "INSERT INTO write_keys (key_hash, source_id, created_at, revoked_at) VALUES (?, ?, ?, ?)",
                    arguments: [k.hash, k.sourceId, k.createdAt, k.revokedAt])
            }
            for t in s.tokens {
                try db.execute(
                    sql: "INSERT INTO api_tokens (token_hash, workspace_id, role, name, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [t.hash, t.workspaceId, t.role, t.name, t.createdAt])
            }
            for u in s.users {
                try db.execute(
                    sql: "INSERT INTO users (username, workspace_id, password_hash, role) VALUES (?, ?, ?, ?)",
                    arguments: [u.username, u.workspaceId, u.passwordHash, u.role])
            }
            for d in s.definitions {
                try db.execute(
                    sql: """
                        INSERT INTO definitions (workspace_id, kind, name, body, description, created_at, updated_at, tag_group)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [d.workspaceId, d.kind.rawValue, d.name, d.body, d.description, d.createdAt,
                                d.updatedAt, d.group])
            }
            try db.execute(sql: "UPDATE definitions_version SET version = version + 1 WHERE id = 1")
        }
    }

    // MARK: - Statistics

    public func stats(workspaceId: WorkspaceID?) async throws -> StoreStats {
        let ws = workspaceId.map { "workspace_id = \($0)" } ?? "1"
        let wsC = workspaceId.map { "c.workspace_id = \($0)" } ?? "1"
        let (total, byType, bySource, last) = try await pool.read { db in
            var byType: [String: Int] = [:]
            var total = 0
            for r in try Row.fetchAll(
                db, sql: "SELECT name, SUM(count) FROM event_counts WHERE \(ws) GROUP BY name")
            {
                let n: Int = r[1]
                byType[r[0]] = n
                total += n
            }
            var bySource: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT COALESCE(s.name, '\(RapportSource.name)'), SUM(c.count) FROM event_counts c
                LEFT JOIN sources s ON s.id = c.source_id WHERE \(wsC) GROUP BY 1
                """) {
                bySource[r[0]] = r[1]
            }
            return (total, byType, bySource, try Self.logEnd(db) - 1)
        }
        return try await projections.read { db in
            var byKind: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) FROM identities WHERE \(ws) GROUP BY kind") {
                byKind[r[0]] = r[1]
            }
            let profiles = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profiles WHERE \(ws)") ?? 0
            let live = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM profiles WHERE \(ws) AND merged_into IS NULL") ?? 0
            var orders = 0
            var revenue = 0.0
            for r in try Row.fetchAll(db, sql: "SELECT aggregates FROM profiles WHERE \(ws)") {
                let a = ProfileCoding.decodeAggregates(r[0])
                orders += a.orders
                revenue += a.revenue - a.refundedAmount
            }
            let merges = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM merges WHERE \(ws)") ?? 0
            let undone = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM merges WHERE \(ws) AND undone_at IS NOT NULL") ?? 0
            let warnings = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_warnings WHERE \(ws)") ?? 0
            let checkpoint = try Self.partitionCheckpoints(db).min() ?? 0
            return StoreStats(
                events: total, eventsByType: byType, eventsBySource: bySource, profiles: profiles,
                liveProfiles: live, identifiersByKind: byKind, orders: orders, revenue: revenue, merges: merges,
                undoneMerges: undone, identityWarnings: warnings, checkpoint: checkpoint, lastSeq: last)
        }
    }

    /// Events per UTC day of their time and source, from the day `days` before `now` on.
    public func dailyCounts(workspaceId: WorkspaceID, days: Int, now: Int64) async throws -> [DailyCount] {
        let from = EventCountKey.day(of: now) - Int64(max(1, min(days, 3650)))
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT date(c.day * 86400, 'unixepoch') AS day, COALESCE(s.name, '\(RapportSource.name)') AS source,
                      SUM(c.count)
                    FROM event_counts c LEFT JOIN sources s ON s.id = c.source_id
                    WHERE c.workspace_id = ? AND c.day >= ? GROUP BY c.day, source ORDER BY c.day, source
                    """,
                arguments: [workspaceId, from]
            ).map { DailyCount(day: $0[0], source: $0[1], count: $0[2]) }
        }
    }
}
