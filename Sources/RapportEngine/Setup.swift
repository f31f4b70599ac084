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
    ///
    /// The generator is synchronous and can produce tens of millions of
    /// messages, so it runs on a thread of its own and hands over bounded
    /// chunks: memory stays flat whatever the size.
    public func loadDemo(workspaceId: WorkspaceID, config: DemoConfig,
                         progress: ((Int) -> Void)? = nil) async throws -> ImportReport {
        var sources: [String: Source] = [:]
        for name in DemoGenerator.sources { sources[name] = try await source(named: name, workspaceId: workspaceId) }
        var report = ImportReport()
        let receivedAt = clock.nowMillis()
        for try await chunk in DemoChunks.stream(config: config, chunkSize: 20_000) {
            var batch: [String: [Message]] = [:]
            for m in chunk {
                report.rows += 1
                do {
                    batch[m.source, default: []].append(try decoder.decodeLine(m.json, receivedAt: receivedAt))
                } catch {
                    report.rejected += 1
                }
            }
            for (name, messages) in batch.sorted(by: { $0.key < $1.key }) where !messages.isEmpty {
                guard let s = sources[name] else { continue }
                let (a, d) = try await appendDirect(messages, source: s)
                report.appended += a
                report.duplicates += d
            }
            progress?(report.rows)
        }
        return report
    }

    /// How long a CLI command's hold on the projection lasts without renewal:
    /// if the command dies (Ctrl-C, kill), a server can take over this soon.
    static let localLeaseMillis: Int64 = 30_000

    /// Takes the projection for this process (CLI commands that run without a
    /// server): loads it and catches up with the log, after which
    /// `appendDirect` projects what it appends. The lease is short and renewed
    /// as the command works. Returns `false` if a running server holds the
    /// projection lease; that server then projects instead.
    public func beginLocalProjection() async throws -> Bool {
        let owner = "cli:\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
        let now = clock.nowMillis()
        guard try await store.acquireLease(name: ProjectionService.leaseName, owner: owner, now: now,
                                           until: now + Self.localLeaseMillis)
        else { return false }
        localProjection.withLock { $0 = owner }
        localLeaseRenewed.withLock { $0 = .now }
        pendingDirect.withLock { $0 = [] }
        do {
            try await projector.load()
            try await projector.catchUp(afterBatch: { [self] in try await renewLocalLease() })
        } catch {
            localProjection.withLock { $0 = nil }
            try? await store.releaseLease(name: ProjectionService.leaseName, owner: owner)
            throw error
        }
        return true
    }

    /// Renews the CLI's projection lease if a third of its time has passed.
    /// Losing it (the process stalled past the lease) is an error: another
    /// process may be projecting now, and two must never write projection state.
    func renewLocalLease(force: Bool = false) async throws {
        guard let owner = localProjection.withLock({ $0 }) else { return }
        let due = localLeaseRenewed.withLock { last -> Bool in
            guard force || ContinuousClock.now - last >= .milliseconds(Self.localLeaseMillis / 3) else { return false }
            last = .now
            return true
        }
        guard due else { return }
        let now = clock.nowMillis()
        guard try await store.acquireLease(name: ProjectionService.leaseName, owner: owner, now: now,
                                           until: now + Self.localLeaseMillis)
        else {
            localProjection.withLock { $0 = nil }
            throw RapportError(.conflict, "lost the projection lease to another process; what was appended is in "
                               + "the log and will be projected by the lease holder")
        }
    }

    /// Flushes the local projection, catching up with anything else appended
    /// meanwhile, and gives the lease back.
    public func endLocalProjection() async throws {
        guard let owner = localProjection.withLock({ $0 }) else { return }
        defer {
            localProjection.withLock { $0 = nil }
            pendingDirect.withLock { $0 = [] }
        }
        try await projectDirect(pendingDirect.withLock { $0 })
        try await projector.catchUp(afterBatch: { [self] in try await renewLocalLease() })
        try await renewLocalLease(force: true)  // never write projection state without holding the lease
        try await projector.flush()
        try await store.releaseLease(name: ProjectionService.leaseName, owner: owner)
    }

    /// Brings the profile projection up to date with the log (CLI commands that
    /// run without a server). Returns whether this process could project.
    public func projectNow() async throws -> Bool {
        guard try await beginLocalProjection() else { return false }
        try await endLocalProjection()
        return true
    }
}
