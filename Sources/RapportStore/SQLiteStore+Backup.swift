import Foundation
import GRDB
import RapportCore

extension SQLiteStore {
    /// What a backup holds.
    public struct BackupReport: Sendable {
        public var lastSeq: Int64
        public var checkpoint: Int64
        public var segmentBytes: Int64
    }

    /// Writes a consistent copy of the store into `directory` (which must not
    /// hold a store) while it keeps running: a data directory of its own that
    /// `rapport serve --data` opens as it is.
    ///
    /// The projection first, then the log's index (each an online SQLite
    /// backup: one consistent snapshot), then the segment files: the copied
    /// projection's checkpoint is never past the copied log's end, and every
    /// block the copied index names is in the copied segments (segments only
    /// grow; bytes past the last indexed block are written over on open).
    public func backup(to directory: String) async throws -> BackupReport {
        let fm = FileManager.default
        let logPath = (directory as NSString).appendingPathComponent("rapport.sqlite")
        if fm.fileExists(atPath: logPath) {
            throw RapportError(.conflict, "\(directory) already holds a store: back up into a new directory")
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let projection = try DatabaseQueue(path: (directory as NSString).appendingPathComponent("projection.sqlite"))
            try projections.backup(to: projection)
            let checkpoint = try await projection.read { db in
                try Self.partitionCheckpoints(db).min() ?? 0
            }
            try projection.close()
            let log = try DatabaseQueue(path: logPath)
            try pool.backup(to: log)
            let last = try await log.read { db in try Self.logEnd(db) - 1 }
            try log.close()
            let from = (self.directory as NSString).appendingPathComponent("log")
            let to = (directory as NSString).appendingPathComponent("log")
            try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            var bytes: Int64 = 0
            for name in try fm.contentsOfDirectory(atPath: from).sorted() where name.hasSuffix(".seg") {
                let source = (from as NSString).appendingPathComponent(name)
                try fm.copyItem(atPath: source, toPath: (to as NSString).appendingPathComponent(name))
                bytes += (try fm.attributesOfItem(atPath: source)[.size] as? NSNumber)?.int64Value ?? 0
            }
            return BackupReport(lastSeq: last, checkpoint: min(checkpoint, last), segmentBytes: bytes)
        } catch let error as RapportError {
            throw error
        } catch {
            throw RapportError(.storage, "backing up into \(directory) failed: \(error)")
        }
    }
}
