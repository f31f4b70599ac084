import Foundation
import PostgresNIO
import RapportCore
@testable import RapportPostgres
import RapportStore
import Testing

/// What only the PostgreSQL store has: URLs, migrations, several nodes migrating at once.
@Suite struct PostgresStoreTests {
    @Test func urlsAreReadWithTheirOptions() throws {
        let c = try PostgresStore.Configuration(
            url: "postgres://rapport:s%40cret@db.example.com:6543/crm?sslmode=disable&schema=tenant_1&pool_size=8&statement_timeout=5000")
        #expect(c.client.host == "db.example.com" && c.client.port == 6543)
        #expect(c.client.username == "rapport" && c.client.password == "s@cret" && c.client.database == "crm")
        #expect(c.schema == "tenant_1")
        #expect(c.client.options.maximumConnections == 8)
        #expect(c.client.options.additionalStartupParameters.contains { $0 == ("statement_timeout", "5000") })
        #expect(c.client.options.additionalStartupParameters.contains { $0 == ("search_path", "tenant_1") })
        #expect(c.displayURL.contains("***") && !c.displayURL.contains("s%40cret"))
        let socket = try PostgresStore.Configuration(url: "postgresql://me@/db?host=/var/run/postgresql")
        #expect(socket.client.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(socket.schema == "public")
        let defaults = try PostgresStore.Configuration(url: "postgres://me@localhost")
        #expect(defaults.client.database == "me" && defaults.client.port == 5432)
    }

    @Test(arguments: [
        "mysql://u@h/db", "not a url", "postgres://u@h/db?sslmode=sometimes", "postgres://u@h/db?pool_size=0",
        "postgres://u@h/db?pool_size=many", "postgres://u@h/db?schema=a;drop", "postgres://u@h/db?poolsize=3",
        "postgres://u@h/db?statement_timeout=-1", "postgres://u@h/db?schema=Tenant", "postgres://u@h/db?schema=1a",
    ])
    func badURLsAreClearErrors(_ url: String) {
        #expect(throws: RapportError.self) { try PostgresStore.Configuration(url: url) }
    }

    @Test func anUnreachableServerIsAClearError() async throws {
        // A port nothing listens on.
        let c = try PostgresStore.Configuration(url: "postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
        let error = await #expect(throws: RapportError.self) {
            try await PostgresStore.withStore(c) { _ in }
        }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("127.0.0.1:1") == true)
    }

    @Test(arguments: Backend.postgresOnly)
    func nodesStartingTogetherMigrateOnce(_ backend: Backend) async throws {
        let place = Place(backend)
        let configuration = try place.postgresConfiguration
        // Unmigrated: a store that must not migrate says what to do.
        let refused = await #expect(throws: RapportError.self) {
            try await PostgresStore.withStore(configuration, migrate: false) { _ in }
        }
        #expect(refused?.message.contains("rapport migrate") == true)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.migrate(configuration) } }
            for try await version in group { #expect(version >= 1) }
        }
        try await PostgresStore.withStore(configuration, migrate: false) { store in
            let ws = try await store.createWorkspace(name: "w")
            #expect(ws.id == 1)
            let applied = try await store.client.query(
                "SELECT count(*) FROM rapport_migrations", logger: store.logger)
            for try await n in applied.decode(Int.self) { #expect(n == PostgresStore.schemaVersion) }
        }
    }
}
