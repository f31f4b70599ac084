import GRDB
import Synchronization

/// Checkpoints a WAL-mode database on a connection of its own.
///
/// In WAL mode every commit appends pages to the `-wal` file, and a
/// checkpoint copies them into the database file. SQLite's automatic
/// checkpoint runs inside the commit that crosses the threshold, so the
/// writer (and every request waiting on its group commit) stops while pages
/// are copied. This runs a passive checkpoint instead, on its own serial
/// queue, each time about ``threshold`` bytes have been written: it copies
/// what is committed without blocking the writer or readers.
///
/// Small and frequent is deliberate: a checkpoint ends with an fsync of the
/// database file, and the writer's WAL fsync queues behind it on the disk.
/// Measured with `Benchmarks/http/run.sh` (32 connections): a 16 MiB
/// threshold gave a p99 of ~150 ms, 4 MiB ~100 ms, 1 MiB ~62 ms, at the same
/// throughput.
final class WALCheckpointer: Sendable {
    private let queue: DatabaseQueue
    /// Bytes written since the last checkpoint was started, whether one is queued or running, and
    /// whether the connection is closed.
    private let state = Mutex<(written: Int, running: Bool, closed: Bool)>((0, false, false))
    let threshold: Int
    /// Runs before each checkpoint (the log syncs its segments there when commits do not).
    let beforeCheckpoint: @Sendable () -> Void

    init(path: String, durability: SQLiteStore.Durability, threshold: Int = 1 << 20,
         beforeCheckpoint: @escaping @Sendable () -> Void = {}) throws {
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.label = "rapport.checkpointer"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        queue = try DatabaseQueue(path: path, configuration: config)
        self.threshold = threshold
        self.beforeCheckpoint = beforeCheckpoint
    }

    /// Notes that about `bytes` were committed; starts a checkpoint in the
    /// background when enough have been since the last one.
    func wrote(bytes: Int) {
        state.withLock { s in
            s.written &+= bytes
            guard s.written >= threshold, !s.running, !s.closed else { return }
            s.written = 0
            s.running = true
            // Queued under the lock: `close()` marks the checkpointer closed under the same lock before it
            // closes the connection, so a checkpoint queued here always runs before the connection closes.
            queue.asyncWriteWithoutTransaction { db in
                self.beforeCheckpoint()
                // A failed passive checkpoint loses nothing: the pages stay in the WAL for the next one.
                _ = try? db.checkpoint(.passive)
                self.state.withLock { $0.running = false }
            }
        }
    }

    /// Closes the connection after any checkpoint in progress; later writes start none.
    func close() throws {
        state.withLock { $0.closed = true }
        try queue.close()
    }
}
