import Foundation
import Logging
import RapportCore
import RapportPostgres
import RapportStore
import Synchronization
import Testing

/// The stores the conformance suite runs against: SQLite always, PostgreSQL
/// when `RAPPORT_TEST_POSTGRES_URL` names a server (`scripts/postgres.sh`
/// starts a throwaway one; `.ci/run` does). Without it the PostgreSQL cases
/// do not run, and ``PostgresAvailability`` says so as a skipped test; with
/// `RAPPORT_REQUIRE_POSTGRES=1` (CI) a missing server fails instead.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL: String? = {
        let url = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }()
    static let postgresRequired = ProcessInfo.processInfo.environment["RAPPORT_REQUIRE_POSTGRES"] == "1"

    static var all: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    static var postgresOnly: [Backend] { postgresURL == nil ? [] : [.postgres] }

    var testDescription: String { rawValue }
}

@Suite struct PostgresAvailability {
    @Test(.enabled(if: Backend.postgresURL != nil || Backend.postgresRequired,
                   "RAPPORT_TEST_POSTGRES_URL is not set: the PostgreSQL cases of the store conformance suite did not run (run `bash scripts/postgres.sh swift test`)"))
    func postgresIsConfigured() async throws {
        let url = try #require(Backend.postgresURL, "RAPPORT_REQUIRE_POSTGRES=1 but RAPPORT_TEST_POSTGRES_URL is not set")
        let configuration = try PostgresStore.Configuration(url: url + "?sslmode=disable&schema=\(Place.freshSchema())")
        try await PostgresStore.withStore(configuration) { store throws in
            #expect(try await store.lastSeq() == 0)
        }
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    let now = Mutex<Int64>(1_700_000_000_000)
    var read: @Sendable () -> Int64 { { [self] in now.withLock { $0 } } }
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
}

/// Where one test's data lives: a fresh directory, or a fresh schema of the
/// test server. Opening a place twice, at once or one after the other, opens
/// the same data: another process, or a restart.
struct Place: Sendable {
    var backend: Backend
    var directory: String
    var schema: String

    init(_ backend: Backend) {
        self.backend = backend
        directory = NSTemporaryDirectory() + "rapport-conformance-\(UUID().uuidString)"
        schema = Self.freshSchema()
    }

    static func freshSchema() -> String {
        "rapport_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    }

    var postgresConfiguration: PostgresStore.Configuration {
        get throws {
            guard let url = Backend.postgresURL else { throw RapportError(.configuration, "no test server") }
            let separator = url.contains("?") ? "&" : "?"
            return try PostgresStore.Configuration(url: url + "\(separator)sslmode=disable&pool_size=4&schema=\(schema)")
        }
    }

    /// Opens the store here, runs `body` with it, and closes it.
    func open<T>(dedupeWindow: Int64? = nil, clock: TestClock? = nil,
                 _ body: (any RapportStore) async throws -> T) async throws -> T {
        let read = clock?.read ?? SQLiteStore.wallClock
        switch backend {
        case .sqlite:
            return try await SQLiteStore.withStore(directory: directory, dedupeWindow: dedupeWindow, clock: read, body)
        case .postgres:
            var logger = Logger(label: "test.postgres")
            logger.logLevel = .warning
            return try await PostgresStore.withStore(
                try postgresConfiguration, dedupeWindow: dedupeWindow, clock: read, logger: logger, body)
        }
    }
}

func message(_ id: String, user: String? = "u1", ts: Int64 = 1_700_000_000_000) -> Message {
    let body = Array(#"{"type":"track","event":"Viewed","messageId":"\#(id)","userId":"\#(user ?? "")"}"#.utf8)
    return Message(type: .track, messageId: id, userId: user, event: "Viewed", timestamp: ts, clientTimestamp: ts,
                   receivedAt: ts + 5, body: body)
}

func events(_ ids: [String], source: SourceID, workspace: WorkspaceID = 1, padding: Int = 0) -> [EventToAppend] {
    ids.map { id in
        var m = message(id)
        if padding > 0 {
            m.body = Array(#"{"type":"track","event":"Viewed","messageId":"\#(id)","pad":"\#(String(repeating: "p", count: padding))"}"#.utf8)
        }
        return EventToAppend(workspaceId: workspace, sourceId: source, message: m)
    }
}
