import Foundation
import RapportCore
import RapportDemo
import RapportEngine
import RapportStore
import Testing

/// Moving a store: what one holds, restored into another of either kind.
@Suite struct StoreTransferTests {
    @Test(arguments: Backend.all)
    func workspacesAndCredentialsKeepTheirIds(_ backend: Backend) async throws {
        let snapshot = try await Place(.sqlite).open { store in
            _ = try await store.createWorkspace(name: "first")
            let ws = try await store.createWorkspace(name: "商城")
            let web = try await store.createSource(workspaceId: ws.id, name: "web")
            _ = try await store.createSource(workspaceId: ws.id, name: "miniprogram")
            try await store.addWriteKey(hash: "kh", sourceId: web.id, now: 5)
            try await store.addToken(hash: "th", workspaceId: ws.id, role: .operator, name: "ops", now: 6)
            try await store.setUser(workspaceId: ws.id, username: "李雷", passwordHash: "ph", role: .analyst)
            try await store.saveDefinition(DefinitionRecord(workspaceId: ws.id, kind: .segment, name: "vip",
                                                            body: "revenue > 1000", createdAt: 7, updatedAt: 8))
            return try await store.adminSnapshot()
        }
        #expect(snapshot.workspaces.map(\.id) == [1, 2] && snapshot.sources.count == 2)
        try await Place(backend).open { target in
            try await target.restoreAdmin(snapshot)
            #expect(try await target.adminSnapshot() == snapshot)
            #expect(try await target.principal(tokenHash: "th")?.role == .operator)
            #expect(try await target.writeKeys().first?.1.name == "web")
            // Ids given by the restore are not handed out again.
            #expect(try await target.createWorkspace(name: "later").id == 3)
            #expect(try await target.createSource(workspaceId: 2, name: "store").id == 3)
            await #expect(throws: RapportError.self) { try await target.restoreAdmin(snapshot) }
        }
    }

    /// A damaged or foreign file is a clear error naming the line. (Batches of
    /// 5,000 before the damage stay imported; importing the repaired file
    /// again adds only the rest, since the log dedupes.)
    @Test(arguments: [
        ("", "is empty"),
        ("{\"hello\":1}\n", "not a Rapport export"),
        ("not json\n", "line 1"),
        ("{\"rapport\":\"export\",\"version\":1,\"after\":0,\"through\":1}\n{\"seq\":1}\n", "line 2"),
        ("{\"rapport\":\"export\",\"version\":1,\"after\":0,\"through\":1}\n{\"seq\":1,\"w\":1,\"s\":1,\"t\":\"track\",\"id\":\"m\",\"n\":\"A\",\"ts\":1,\"r\":1,\"b\":\"%%%\"}\n", "line 2"),
        ("{\"rapport\":\"export\",\"version\":1,\"after\":0,\"through\":1}\n{\"admin\":{\"workspaces\":7}}\n", "line 2"),
    ])
    func aDamagedExportIsAClearError(_ text: String, _ words: String) async throws {
        let file = NSTemporaryDirectory() + "rapport-bad-export-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try await Place(.sqlite).open { store throws in
            let error = await #expect(throws: RapportError.self) {
                try await StoreTransfer.importExport(from: file, into: store)
            }
            #expect(error?.message.contains(words) == true, "\(error?.message ?? "")")
            #expect(try await store.lastSeq() == 0)
        }
    }

    /// A demo business on SQLite, exported and imported into the other kind
    /// of store (or another SQLite store), in two passes as a live move goes.
    @Test(arguments: Backend.all)
    func aStoreMovesInPassesWithEveryEventInPlace(_ backend: Backend) async throws {
        let source = Place(.sqlite)
        let file = NSTemporaryDirectory() + "rapport-export-\(UUID().uuidString).jsonl"
        let later = NSTemporaryDirectory() + "rapport-export-\(UUID().uuidString).jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: later)
        }
        let config = DemoConfig(customers: 120, days: 30, seed: 7, endMillis: 1_750_000_000_000)
        let (first, firstEvents) = try await source.open { store in
            let engine = Engine(store: store)
            let (ws, _) = try await engine.setUp(workspaceName: "demo")
            _ = try await engine.withLocalProjection { try await engine.loadDemo(workspaceId: ws.id, config: config) }
            let report = try await StoreTransfer.export(store, to: file)
            return (report, try await store.events(after: 0, limit: 1_000_000))
        }
        #expect(first.events == firstEvents.count && first.through == firstEvents.last?.seq)
        let place = Place(backend)
        try await place.open { target in
            let imported = try await StoreTransfer.importExport(from: file, into: target)
            #expect(imported.adminRestored && imported.appended == first.events && imported.positionsKept)
            let moved = try await target.events(after: 0, limit: 1_000_000)
            #expect(moved.map(\.seq) == firstEvents.map(\.seq))
            #expect(moved.map(\.messageId) == firstEvents.map(\.messageId))
            #expect(moved.map(\.body) == firstEvents.map(\.body), "bodies exactly as received")
            #expect(moved.map(\.name) == firstEvents.map(\.name) && moved.map(\.type) == firstEvents.map(\.type))
            #expect(moved.map(\.timestamp) == firstEvents.map(\.timestamp))
            // Importing the same file again stores nothing twice.
            let again = try await StoreTransfer.importExport(from: file, into: target)
            #expect(again.appended == 0 && again.duplicates == first.events && !again.adminRestored)
        }
        // The old store takes more events; the next pass carries them.
        let (second, sourceProfiles) = try await source.open { store in
            let engine = Engine(store: store)
            let ws = try await engine.defaultWorkspace()
            var more = config
            more.seed = 8
            _ = try await engine.withLocalProjection { try await engine.loadDemo(workspaceId: ws.id, config: more) }
            try await engine.projector.load()
            try await engine.projector.catchUp()
            let report = try await StoreTransfer.export(store, to: later, after: first.through)
            return (report, await engine.projector.profileCounts(workspaceId: ws.id))
        }
        #expect(second.events > 0)
        try await place.open { target in
            let imported = try await StoreTransfer.importExport(from: later, into: target)
            #expect(imported.appended == second.events && imported.positionsKept)
            #expect(try await target.lastSeq() == second.through)
            // The projection of the moved log is the old store's.
            let engine = Engine(store: target)
            try await engine.projector.load()
            try await engine.projector.catchUp()
            let ws = try await engine.defaultWorkspace()
            let moved = await engine.projector.profileCounts(workspaceId: ws.id)
            #expect(moved.live == sourceProfiles.live && moved.merged == sourceProfiles.merged)
        }
    }
}
