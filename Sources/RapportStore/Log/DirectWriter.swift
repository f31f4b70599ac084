import Foundation

/// Writes segment bytes past the page cache (`O_DIRECT`), for
/// ``LogSegments``.
///
/// A direct write must start and end on a block boundary, from a buffer
/// aligned the same way. So each write goes through one reused aligned
/// buffer: the bytes already in the block where the write starts (the end
/// of the last commit, which is committed and never changes) go first, then
/// the new bytes, then zeros to the block's end. The zeros lie past the log's
/// end, where the next write goes. The segment's format is the same as with
/// buffered writes, and reads stay buffered (the kernel drops cached pages a
/// direct write covers, so they see the new bytes).
///
/// The start of the first block comes from the last write when it ended
/// exactly there, else from the file.
///
/// Sendable: it owns its buffer and descriptors, and lives in
/// ``LogSegments``' mutex; nothing else points at them.
struct DirectWriter: @unchecked Sendable {
    /// Offsets, lengths and the buffer are aligned to this: 4 KiB suits
    /// devices with 512-byte and with 4 KiB sectors.
    static let alignment = 4_096

    /// The `open` flag, where the platform has one.
    static let flag: Int32? = {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40_000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200_000
        #else
        return nil
        #endif
    }()

    enum Outcome {
        case written
        /// The file system or platform does not take direct writes: write buffered.
        case unsupported
        case failed(String)
    }

    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0
    private var descriptors: [Int64: Int32] = [:]
    /// Where the last write ended, and the bytes of its last, partial block.
    private var tail: (segment: Int64, end: Int64)?
    private var tailBytes: [UInt8] = []

    init?() {
        guard Self.flag != nil else { return nil }
    }

    /// Writes `bytes` at `offset` of `segment` (whose file is open as
    /// `buffered`, for reading the start of the first block).
    mutating func write(
        _ bytes: UnsafeRawBufferPointer, at offset: Int64, segment: Int64, path: String, buffered: Int32
    ) -> Outcome {
        guard offset >= 0, bytes.count > 0 else { return bytes.count == 0 ? .written : .failed("negative offset") }
        let alignment = Self.alignment
        let head = Int(offset % Int64(alignment))
        let blockStart = offset - Int64(head)
        let (total, overflow) = head.addingReportingOverflow(bytes.count)
        guard !overflow, total <= Int.max - alignment else { return .failed("write too large") }
        let length = (total + alignment - 1) / alignment * alignment
        guard let fd = descriptor(segment, path: path) else { return .unsupported }
        let base = reserve(length)

        if head > 0 {
            if let tail, tail.segment == segment, tail.end == offset, tailBytes.count == head {
                tailBytes.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: head) } }
            } else {
                var done = 0
                while done < head {
                    let n = pread(buffered, base + done, head - done, off_t(blockStart + Int64(done)))
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { return .failed("the segment ends before the log does (\(offset))") }
                    done += n
                }
            }
        }
        if let source = bytes.baseAddress { (base + head).copyMemory(from: source, byteCount: bytes.count) }
        (base + total).initializeMemory(as: UInt8.self, repeating: 0, count: length - total)

        var done = 0
        while done < length {
            let n = pwrite(fd, base + done, length - done, off_t(blockStart + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                // EINVAL on the first write: the file system takes no direct writes (or not aligned so).
                if errno == EINVAL, done == 0 { return .unsupported }
                return .failed(String(cString: strerror(errno)))
            }
            if n == 0 { return .failed("the device took no bytes") }
            done += n
            if done < length, done % alignment != 0 {
                // A short write off a block boundary: the rest cannot go direct.
                return finishBuffered(buffered, base, from: done, to: length, at: blockStart)
            }
        }
        remember(segment: segment, end: offset + Int64(bytes.count), base: base, total: total)
        return .written
    }

    /// Closes the descriptors and frees the buffer.
    mutating func release() {
        for fd in descriptors.values { _ = Foundation.close(fd) }
        descriptors.removeAll()
        buffer?.deallocate()
        buffer = nil
        capacity = 0
        tail = nil
    }

    private mutating func remember(segment: Int64, end: Int64, base: UnsafeMutableRawPointer, total: Int) {
        let partial = total % Self.alignment
        tailBytes.removeAll(keepingCapacity: true)
        if partial > 0 {
            tailBytes.append(contentsOf: UnsafeRawBufferPointer(start: base + (total - partial), count: partial))
        }
        tail = (segment, end)
    }

    private mutating func finishBuffered(
        _ fd: Int32, _ base: UnsafeMutableRawPointer, from start: Int, to end: Int, at blockStart: Int64
    ) -> Outcome {
        tail = nil
        var done = start
        while done < end {
            let n = pwrite(fd, base + done, end - done, off_t(blockStart + Int64(done)))
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return .failed(String(cString: strerror(errno))) }
            done += n
        }
        return .written
    }

    /// The aligned buffer, at least `length` bytes.
    private mutating func reserve(_ length: Int) -> UnsafeMutableRawPointer {
        if let buffer, capacity >= length { return buffer }
        buffer?.deallocate()
        let size = max(length, 2 << 20)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment)
        buffer = fresh
        capacity = size
        return fresh
    }

    private mutating func descriptor(_ segment: Int64, path: String) -> Int32? {
        if let fd = descriptors[segment] { return fd }
        guard let flag = Self.flag else { return nil }
        let fd = open(path, O_WRONLY | O_CLOEXEC | flag)
        guard fd >= 0 else { return nil }
        descriptors[segment] = fd
        return fd
    }
}
