import Foundation
import Testing

@testable import RapportStore

/// The segment files: what is written is read back, byte for byte, whether
/// the bytes went past the page cache (`O_DIRECT`) or through it.
@Suite struct LogSegmentsTests {
    /// Bytes that differ from position to position, so a shifted or dropped byte shows.
    func pattern(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
    }

    /// Appends chunks of awkward sizes (within a block, across several,
    /// ending on a boundary) one after the other, as commits do, reading
    /// everything back after each.
    func appendAndReadBack(directWrites: Bool) throws -> (direct: Bool, file: [UInt8]) {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var segments = try LogSegments(directory: dir, segmentBytes: 1 << 30, syncEveryWrite: true, directWrites: directWrites)
        let sizes = [1, 700, 4_095, 2, 8_192, 1_400_000, 3_397, 4_096, 10, 65_537]
        var expected: [UInt8] = []
        for (i, size) in sizes.enumerated() {
            if i == 5 {
                // Another process (a CLI import) carries on: it knows nothing of the last write's block.
                segments.close()
                segments = try LogSegments(directory: dir, segmentBytes: 1 << 30, syncEveryWrite: true, directWrites: directWrites)
            }
            let chunk = pattern(size, seed: i)
            try chunk.withUnsafeBytes { try segments.write($0, segment: 1, offset: Int64(expected.count)) }
            expected += chunk
            #expect(try segments.read(segment: 1, offset: 0, length: Int64(expected.count)) == expected, "after chunk \(i)")
            let last = Int64(expected.count - size)
            #expect(try segments.read(segment: 1, offset: last, length: Int64(size)) == chunk)
        }
        let direct = segments.writesDirectly
        segments.close()
        // The file holds the bytes, then (written directly) zeros to the end of the last block.
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segments.path(of: 1))))
        #expect(Array(file.prefix(expected.count)) == expected)
        #expect(file.dropFirst(expected.count).allSatisfy { $0 == 0 })
        return (direct, file)
    }

    @Test func directWritesReadBackByteForByte() throws {
        let (direct, file) = try appendAndReadBack(directWrites: true)
        // Where the file system takes direct writes (ext4 and xfs do; tmpfs and overlayfs may not), they were used.
        if DirectWriter.flag != nil, let type = fileSystemType(of: NSTemporaryDirectory()), ["ext4", "xfs"].contains(type) {
            #expect(direct)
            #expect(file.count % DirectWriter.alignment == 0)
        }
    }

    /// The type of the file system `path` lies on, from `/proc/self/mounts` (Linux).
    func fileSystemType(of path: String) -> String? {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return nil }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1]), type = String(fields[2])
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, type) }
        }
        return best?.type
    }

    @Test func bufferedWritesReadBackByteForByte() throws {
        let (direct, _) = try appendAndReadBack(directWrites: false)
        #expect(!direct)
    }

    @Test func aWriteAfterTheLastOneOverwritesWhatNoRowPointsTo() throws {
        // A crash between a write and its commit leaves bytes no row points to; the next write goes over them.
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let segments = try LogSegments(directory: dir, segmentBytes: 1 << 30, syncEveryWrite: true)
        let first = pattern(5_000, seed: 1)
        let lost = pattern(9_000, seed: 2)
        let next = pattern(100, seed: 3)
        try first.withUnsafeBytes { try segments.write($0, segment: 1, offset: 0) }
        try lost.withUnsafeBytes { try segments.write($0, segment: 1, offset: 5_000) }
        try next.withUnsafeBytes { try segments.write($0, segment: 1, offset: 5_000) }
        #expect(try segments.read(segment: 1, offset: 0, length: 5_100) == first + next)
        segments.close()
    }
}
