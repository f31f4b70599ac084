import Foundation
import Logging
import NIOCore
import PostgresNIO
import RapportCore
import RapportStore

/// The scale-out store: everything in one PostgreSQL database (15 or later),
/// which several `rapport serve` processes share.
///
/// The log keeps the embedded store's shape: blocks of consecutive events
/// (`LogBlock`), a row each, so a group commit of 10,000 events is a dozen
/// rows, not 10,000 rows and their index entries. Unlike the embedded store a
/// block holds the events of one workspace only, and every table leads with
/// the workspace, so the tables can be distributed by it (Citus).
///
/// **Positions.** Appends take a row lock on `log_head` for their
/// transaction: positions are handed out in commit order with no gaps, on
/// any number of nodes, which is what readers of the log rely on (a reader
/// that has seen position 10 never finds a 9 later). The lock is held for one
/// group commit, so it costs a round trip per batch, not per event.
///
/// **Dedupe.** As in the embedded store: every block carries the fingerprints
/// of its messages, each process keeps those of the window in memory, and
/// under the lock it first reads the blocks other processes appended since it
/// last looked. A retry is recognised whichever node it reaches.
///
/// Open it with ``withStore(_:dedupeWindow:clock:logger:migrate:_:)``, which runs
/// the connection pool for the duration of its body.
public final class PostgresStore: RapportStore {
    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    let dedupe: DedupeWindow
    let clock: @Sendable () -> Int64

    init(configuration: Configuration, client: PostgresClient, logger: Logger, dedupe: DedupeWindow,
         clock: @escaping @Sendable () -> Int64) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.dedupe = dedupe
        self.clock = clock
    }

    public static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Connects, migrates the schema (unless `migrate` is false, in which case
    /// it must be current), runs `body` with the store, and closes the
    /// connections when `body` returns or throws.
    ///
    /// - Parameters:
    ///   - dedupeWindow: as for ``SQLiteStore``: milliseconds a message id is
    ///     remembered at least; `nil` for ever.
    ///   - clock: the time blocks are stamped with, for the window.
    public static func withStore<T>(
        _ configuration: Configuration, dedupeWindow: Int64? = nil,
        clock: @escaping @Sendable () -> Int64 = wallClock, logger: Logger = Logger(label: "rapport.postgres"),
        migrate: Bool = true, _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // Let the pool's task start before the first query leases a connection (postgres-nio warns otherwise).
            await Task.yield()
            let store: PostgresStore
            do {
                // The pool retries a server it cannot reach for ever: the first connection is waited for
                // at most the connect timeout. Migrations then take as long as they take.
                try await withThrowingTaskGroup(of: Void.self) { opening in
                    opening.addTask { try await client.query("SELECT 1", logger: logger) }
                    opening.addTask {
                        try await Task.sleep(for: configuration.client.options.connectTimeout)
                        throw RapportError(.storage, "no connection within \(configuration.client.options.connectTimeout)")
                    }
                    defer { opening.cancelAll() }
                    try await opening.next()
                }
                let schema = Schema(name: configuration.schema)
                if migrate {
                    try await schema.migrate(client, logger: logger)
                } else {
                    try await schema.requireCurrent(client, logger: logger)
                }
                let dedupe = try await loadDedupe(client, window: dedupeWindow.map { max(1, $0) }, now: clock(),
                                                  logger: logger)
                store = PostgresStore(configuration: configuration, client: client, logger: logger, dedupe: dedupe,
                                      clock: clock)
            } catch {
                throw RapportError(.storage, "cannot open the PostgreSQL database \(configuration.displayURL): \(Self.describe(error))")
            }
            return try await body(store)
        }
    }

    /// The schema version this build migrates to.
    public static var schemaVersion: Int { Schema.versions.count }

    /// Runs the schema's migrations and returns the version it is at.
    @discardableResult
    public static func migrate(_ configuration: Configuration, logger: Logger = Logger(label: "rapport.postgres")) async throws -> Int {
        try await withStore(configuration, logger: logger) { _ in Schema.versions.count }
    }

    /// Nothing to do: the connections close when ``withStore(_:dedupeWindow:clock:logger:migrate:_:)`` returns.
    public func close() async throws {}

    /// What went wrong, in words: PostgreSQL's message where there is one
    /// (postgres-nio's errors describe themselves vaguely on purpose, so as not
    /// to leak data into logs; the server's message names no values).
    static func describe(_ error: any Error) -> String {
        if let e = error as? PostgresTransactionError {
            return [e.beginError, e.closureError, e.commitError, e.rollbackError].compactMap { $0 }.map(describe)
                .joined(separator: "; ")
        }
        if let e = error as? RapportError { return e.message }
        if let e = error as? PSQLError {
            if let info = e.serverInfo, let message = info[.message] {
                let code = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + (info[.detail].map { ": \($0)" } ?? "") + code
            }
            return "\(e.code)" + (e.underlying.map { ": \($0)" } ?? "")
        }
        return String(describing: error)
    }

    /// Runs `work`, turning database errors into ``RapportError``s that say what was being done.
    func storage<T>(_ what: String, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as RapportError {
            throw error
        } catch let error as PostgresTransactionError {
            // An error of ours inside a transaction (a conflict, say) keeps its code.
            if let inner = error.closureError as? RapportError { throw inner }
            throw RapportError(.storage, "\(what): \(Self.describe(error))")
        } catch {
            throw RapportError(.storage, "\(what): \(Self.describe(error))")
        }
    }

    /// Runs `work` in a transaction.
    func transaction<T: Sendable>(_ what: String, _ work: (PostgresConnection) async throws -> T) async throws -> T {
        try await storage(what) {
            try await client.withTransaction(logger: logger) { conn in try await work(conn) }
        }
    }

    /// Runs `work` in a read-only transaction that sees one snapshot of the
    /// database throughout.
    func snapshot<T: Sendable>(_ what: String, _ work: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(what) { conn in
            try await run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", on: conn)
            // A whole projection is read this way, which a new writer must do to take over: no statement limit.
            try await run("SET LOCAL statement_timeout = 0", on: conn)
            return try await work(conn)
        }
    }

    /// The rows of a query, decoded, all of them.
    func rows<each Column: PostgresDecodable>(
        _ query: PostgresQuery, as types: (repeat each Column).Type, on conn: PostgresConnection? = nil
    ) async throws -> [(repeat each Column)] {
        let sequence: PostgresRowSequence
        if let conn {
            sequence = try await conn.query(query, logger: logger)
        } else {
            sequence = try await client.query(query, logger: logger)
        }
        var out: [(repeat each Column)] = []
        for try await row in sequence.decode((repeat each Column).self) { out.append(row) }
        return out
    }

    /// Runs a statement, ignoring any rows.
    func run(_ query: PostgresQuery, on conn: PostgresConnection? = nil) async throws {
        if let conn {
            try await conn.query(query, logger: logger)
        } else {
            try await client.query(query, logger: logger)
        }
    }
}

extension String {
    /// The text with any NUL character replaced by U+FFFD: PostgreSQL's
    /// `text` cannot hold NUL. The decoder refuses it in message ids and
    /// event names now, but a log written before (on SQLite) may hold some.
    var postgresText: String {
        utf8.contains(0) ? replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : self
    }
}

extension ByteBuffer {
    init(bytes: some Collection<UInt8>) {
        self = ByteBufferAllocator().buffer(capacity: bytes.count)
        writeBytes(bytes)
    }
}
