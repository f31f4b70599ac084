import Foundation
import RapportCore
import Synchronization

/// The files that hold the event log's blocks: `log/000000000001.seg`, … in
/// the data directory.
///
/// A block's bytes are written to the end of the current segment, and its
/// row in `log_blocks` says where (segment, offset, length). Keeping the
/// bytes out of SQLite writes them once, in one `pwrite` per commit: inside
/// SQLite each 4 KiB page went through the page cache, the WAL (a header and
/// a page per write) and a checkpoint copy, which cost the append ~1.1 µs of
/// CPU per event (`pipeline-profile`, 197k demo events of ~700 bytes).
///
/// The rules that keep it exact, with several processes on one directory:
///
/// - Only the holder of the database's write lock writes, and only after the
///   end of the last committed block: committed bytes are never rewritten.
/// - A commit's bytes are written (and, with `full` durability, synced)
///   before the transaction that indexes them commits. A crash in between
///   leaves bytes that no row points to; the next append writes over them.
/// - Readers only follow committed rows.
///
/// With `normal` durability the segments are synced before each WAL
/// checkpoint instead of at every commit (see ``syncWritten()``).
///
/// Writes bypass the page cache where the file system allows it
/// (`O_DIRECT`, see ``DirectWriter``): the bytes go to the device from one
/// reused buffer instead of being copied into fresh page-cache pages, which
/// cost the append ~0.7–1.5 µs of kernel CPU per 700-byte event on this
/// machine and sat on the pipeline's critical path. Reads stay buffered.
final class LogSegments: Sendable {
    let directory: String
    /// A segment is closed once a block ends past this many bytes.
    let segmentBytes: Int64
    let syncEveryWrite: Bool
    private let files = Mutex<[Int64: Int32]>([:])
    /// Segments written since they were last synced (`normal` durability only).
    private let unsynced = Mutex<Set<Int64>>([])
    /// Direct (`O_DIRECT`) writing; `nil` once the file system refused it.
    private let direct: Mutex<DirectWriter?>

    init(directory: String, segmentBytes: Int64, syncEveryWrite: Bool, directWrites: Bool = true) throws {
        self.directory = (directory as NSString).appendingPathComponent("log")
        self.segmentBytes = max(1, segmentBytes)
        self.syncEveryWrite = syncEveryWrite
        self.direct = Mutex(directWrites ? DirectWriter() : nil)
        do {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        } catch {
            throw RapportError(.storage, "cannot create the log directory \(self.directory): \(error)")
        }
    }

    func path(of segment: Int64) -> String {
        let digits = String(segment)
        let name = String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".seg"
        return (directory as NSString).appendingPathComponent(name)
    }

    /// Whether writes go past the page cache (until the file system refuses).
    var writesDirectly: Bool { direct.withLock { $0 != nil } }

    /// Writes `bytes` at `offset` of `segment`, creating the file if needed,
    /// and syncs it when every write must be durable before its commit.
    func write(_ bytes: UnsafeRawBufferPointer, segment: Int64, offset: Int64) throws {
        let fd = try descriptor(segment, create: true)
        let wroteDirectly = try direct.withLock { writer -> Bool in
            guard var w = writer.take() else { return false }
            switch w.write(bytes, at: offset, segment: segment, path: path(of: segment), buffered: fd) {
            case .written:
                writer = w
                return true
            case .unsupported:
                w.release()  // and `writer` stays nil: buffered from now on
                return false
            case .failed(let error):
                writer = w
                throw RapportError(.storage, "cannot write to \(path(of: segment)): \(error)")
            }
        }
        if wroteDirectly {
            try finishWrite(fd, segment)
            return
        }
        var done = 0
        while done < bytes.count, let base = bytes.baseAddress {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw RapportError(.storage, "cannot write to \(path(of: segment)): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        try finishWrite(fd, segment)
    }

    /// Syncs a written segment now (`full`) or marks it for the next sync (`normal`).
    private func finishWrite(_ fd: Int32, _ segment: Int64) throws {
        if syncEveryWrite {
            try sync(fd, segment)
        } else {
            _ = unsynced.withLock { $0.insert(segment) }
        }
    }

    /// Reads `length` bytes at `offset` of `segment`.
    func read(segment: Int64, offset: Int64, length: Int64) throws -> [UInt8] {
        // The row comes from the database: checked so that no sum below can overflow.
        guard segment > 0, offset >= 0, length >= 0, length <= Int64(Int32.max), offset <= Int64.max - length else {
            throw RapportError(.storage, "a log block points outside its segment (\(segment), \(offset), \(length))")
        }
        let fd = try descriptor(segment, create: false)
        let count = Int(length)
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                guard let base = buffer.baseAddress else { break }
                let n = pread(fd, base + done, count - done, off_t(offset + Int64(done)))
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    initialized = done
                    throw RapportError(.storage, "\(path(of: segment)) is shorter than the log says: \(done) of \(count) bytes at \(offset)")
                }
                done += n
            }
            initialized = count
        }
    }

    /// Syncs the segments written since the last call: with `normal`
    /// durability, before a WAL checkpoint makes their rows durable.
    func syncWritten() {
        let segments = unsynced.withLock { s -> Set<Int64> in
            defer { s.removeAll() }
            return s
        }
        for segment in segments {
            // A failed sync is retried at the next checkpoint.
            do { try sync(try descriptor(segment, create: false), segment) } catch {
                _ = unsynced.withLock { $0.insert(segment) }
            }
        }
    }

    /// Syncs what was not synced yet, and closes the files.
    func close() {
        syncWritten()
        direct.withLock { writer in
            writer?.release()
            writer = nil
        }
        files.withLock { fds in
            for fd in fds.values { _ = Foundation.close(fd) }
            fds.removeAll()
        }
    }

    private func sync(_ fd: Int32, _ segment: Int64) throws {
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw RapportError(.storage, "cannot sync \(path(of: segment)): \(String(cString: strerror(errno)))")
        }
    }

    private func descriptor(_ segment: Int64, create: Bool) throws -> Int32 {
        try files.withLock { fds in
            if let fd = fds[segment] { return fd }
            let path = path(of: segment)
            let existed = FileManager.default.fileExists(atPath: path)
            let fd = open(path, create ? (O_RDWR | O_CREAT | O_CLOEXEC) : (O_RDWR | O_CLOEXEC), 0o644)
            guard fd >= 0 else {
                throw RapportError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            if !existed, syncEveryWrite {
                // The new file's name must be as durable as its bytes.
                let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if dir >= 0 {
                    _ = fsync(dir)
                    _ = Foundation.close(dir)
                }
            }
            fds[segment] = fd
            return fd
        }
    }
}
