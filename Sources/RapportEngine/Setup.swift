import Foundation
import RapportAudience
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
        let ws: Workspace
        do {
            ws = try await store.createWorkspace(name: workspaceName)
        } catch {
            // Another server sharing the store set it up at the same moment.
            if let existing = try await store.workspaces().first(where: { $0.name == workspaceName }) {
                try await reloadKeys()
                return (existing, nil)
            }
            throw error
        }
        var keys: [String: String] = [:]
        for name in Self.defaultSources {
            let source = try await store.createSource(workspaceId: ws.id, name: name)
            keys[name] = try await createWriteKey(source: source)
        }
        let password = Secrets.generate(prefix: "", length: 16)
        // User names are unique across workspaces: the first workspace's administrator is `admin`, a later
        // one's `admin@<workspace>` (taking `admin` would move the first workspace's login to this one).
        let admin = try await store.user(username: "admin") == nil ? "admin" : "admin@\(workspaceName)"
        try await store.setUser(workspaceId: ws.id, username: admin, passwordHash: Secrets.hashPassword(password),
                                role: .admin)
        let token = try await createToken(workspaceId: ws.id, role: .admin, name: "setup")
        return (ws, SetupCredentials(workspace: workspaceName, writeKeys: keys, adminUser: admin,
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

    /// Brings the profile projection up to date with the log (CLI commands that
    /// run without a server). Returns whether this process could project.
    public func projectNow() async throws -> Bool {
        try await withLocalProjection {}.projected
    }
}

extension Engine {
    /// Clusters the demo's customers by recency, frequency and spend
    /// (``ClusterModel/rfm``), once its definitions are stored: brings the
    /// projection up to date with the log first, to fit on everyone.
    public func saveDemoClusters(workspaceId: WorkspaceID) async throws {
        try await projector.load()
        try await projector.catchUp()
        try await projector.applyStoredDefinitionsIfChanged()
        try await saveClusters(workspaceId: workspaceId, model: .rfm)
    }

    /// What the demo workspace comes with, so that its console has
    /// something to show: the default lifecycle model, a few computed
    /// traits, segments and a rule tag. Stored only; the projection
    /// evaluates them when it starts.
    public func saveDemoDefinitions(workspaceId: WorkspaceID) async throws {
        let now = clock.nowMillis()
        var records: [DefinitionRecord] = []
        func add(_ kind: DefinitionKind, _ name: String, _ body: String, _ description: String, group: String = "") {
            records.append(DefinitionRecord(workspaceId: workspaceId, kind: kind, name: name, body: body,
                                            description: description, group: group, createdAt: now, updatedAt: now))
        }
        add(.lifecycle, LifecycleModel.recordName, try LifecycleModel.standard().canonical().jsonText, "the default model")
        add(.rfm, RFMModel.recordName, RFMModel().jsonText, "orders and their revenue")
        for (name, text, description) in [
            ("lifetime_revenue", #"sum revenue of "Order Completed""#, "revenue of every order"),
            ("orders_30d", #"count "Order Completed" within 30 days"#, "orders in the last 30 days"),
            ("favourite_category", #"most frequent category of "Product Viewed""#, "the category viewed most"),
        ] {
            add(.trait, name, try ComputedTrait(name: name, text: text).expression.description, description)
        }
        for (name, text, description) in [
            ("big_spenders", "lifetime_revenue > 2000", "more than 2,000 spent"),
            ("win_back_targets", #"stage in ("at_risk", "churned") and lifetime_revenue > 500"#,
             "lapsed customers worth winning back"),
            ("abandoned_checkout", #"did "Checkout Started" without "Order Completed" within 1 day within 30 days"#,
             "started a checkout in the last 30 days and did not order within a day"),
        ] {
            add(.segment, name, try Condition.parse(text).description, description)
        }
        add(.tag, "vip", try Condition.parse("lifetime_revenue > 5000").description, "spent more than 5,000",
            group: "member_level")
        for r in records { try await store.saveDefinition(r) }
    }
}
