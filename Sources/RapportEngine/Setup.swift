import Foundation
import RapportCore
import RapportDemo
import RapportIngest
import RapportStore

/// Credentials made when a data directory is first set up.
public struct SetupCredentials: Sendable, Codable {
    public var workspace: String
    public var writeKeys: [String: String]
    public var adminUser: String
    public var adminPassword: String
    public var adminToken: String
}

extension Engine {
    /// The default sources of a new workspace.
    public static let defaultSources = ["web", "app", "miniprogram", "store", "crm"]

    /// Makes sure the store has a workspace. On first use, creates it with the
    /// default sources, a write key per source, an `admin` console user and an
    /// admin API token, and returns those credentials (only their hashes are
    /// stored). Returns `nil` if the workspace existed.
    public func setUp(workspaceName: String) async throws -> (Workspace, SetupCredentials?) {
        if let existing = try await store.workspaces().first(where: { $0.name == workspaceName }) {
            try await reloadKeys()
            return (existing, nil)
        }
        let ws = try await store.createWorkspace(name: workspaceName)
        var keys: [String: String] = [:]
        for name in Self.defaultSources {
            let source = try await store.createSource(workspaceId: ws.id, name: name)
            keys[name] = try await createWriteKey(source: source)
        }
        let password = Secrets.generate(prefix: "", length: 16)
        try await store.setUser(workspaceId: ws.id, username: "admin", passwordHash: Secrets.hashPassword(password),
                                role: .admin)
        let token = try await createToken(workspaceId: ws.id, role: .admin, name: "setup")
        return (ws, SetupCredentials(workspace: workspaceName, writeKeys: keys, adminUser: "admin",
                                     adminPassword: password, adminToken: token))
    }

    /// The workspace that commands without `--workspace` use: the first one.
    public func defaultWorkspace() async throws -> Workspace {
        guard let ws = try await store.workspaces().first else {
            throw RapportError(.notFound, "the data directory has no workspace yet; run `rapport serve` or `rapport demo` first")
        }
        return ws
    }

    /// A source by name, created if it does not exist.
    public func source(named name: String, workspaceId: WorkspaceID) async throws -> Source {
        if let s = try await store.sources(workspaceId: workspaceId).first(where: { $0.name == name }) { return s }
        return try await store.createSource(workspaceId: workspaceId, name: name)
    }

    /// Generates the demo business and sends it through the pipeline (decode,
    /// validate, append with dedupe, project). Running it twice adds nothing.
    public func loadDemo(workspaceId: WorkspaceID, config: DemoConfig,
                         progress: ((Int) -> Void)? = nil) async throws -> ImportReport {
        var sources: [String: Source] = [:]
        for name in DemoGenerator.sources { sources[name] = try await source(named: name, workspaceId: workspaceId) }
        var report = ImportReport()
        var batch: [String: [Message]] = [:]
        var queued = 0
        let generator = DemoGenerator(config: config)
        let receivedAt = clock.nowMillis()
        var chunk: [DemoMessage] = []
        func drain() async throws {
            for m in chunk {
                report.rows += 1
                do {
                    batch[m.source, default: []].append(try decoder.decodeLine(m.json, receivedAt: receivedAt))
                    queued += 1
                } catch {
                    report.rejected += 1
                }
            }
            chunk.removeAll(keepingCapacity: true)
            if queued >= 20_000 {
                try await flush()
            }
        }
        func flush() async throws {
            for (name, messages) in batch where !messages.isEmpty {
                guard let s = sources[name] else { continue }
                let (a, d) = try await appendDirect(messages, source: s)
                report.appended += a
                report.duplicates += d
            }
            batch.removeAll(keepingCapacity: true)
            queued = 0
            progress?(report.rows)
        }
        // The generator calls back synchronously; collect chunks and push them through.
        var chunks: [[DemoMessage]] = []
        generator.generate { m in
            chunk.append(m)
            if chunk.count >= 20_000 {
                chunks.append(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        chunk = []
        for c in chunks {
            chunk = c
            try await drain()
        }
        try await flush()
        return report
    }

    /// Brings the profile projection up to date with the log (CLI commands that
    /// run without a server). Returns whether this process could project: if a
    /// running server holds the projection lease, that server projects instead.
    public func projectNow() async throws -> Bool {
        let owner = "cli:\(ProcessInfo.processInfo.processIdentifier)"
        let now = clock.nowMillis()
        guard try await store.acquireLease(name: ProjectionService.leaseName, owner: owner, now: now,
                                           until: now + 600_000)
        else { return false }
        defer { }
        do {
            try await projector.load()
            try await projector.catchUp()
            try await projector.flush()
        } catch {
            try? await store.releaseLease(name: ProjectionService.leaseName, owner: owner)
            throw error
        }
        try await store.releaseLease(name: ProjectionService.leaseName, owner: owner)
        return true
    }
}
