import Foundation
import RapportCore

/// Reads a file in chunks, for importers that must not hold a whole file in
/// memory.
public struct FileChunks: Sendable {
    public let path: String
    public var chunkSize = 1 << 20

    public init(path: String) { self.path = path }

    /// The file's size in bytes, if known.
    public var size: Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }

    /// Calls `body` with each chunk of the file.
    public func forEach(_ body: ([UInt8]) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RapportError(.notFound, "cannot open \(path)")
        }
        defer { try? handle.close() }
        while true {
            let data = try handle.read(upToCount: chunkSize) ?? Data()
            if data.isEmpty { return }
            try body([UInt8](data))
        }
    }

    /// Calls `body` with the lines of each chunk (without line ends, with
    /// 1-based numbers), so a large file streams through in bounded memory.
    public func forEachLineBatch(_ body: ([([UInt8], Int)]) async throws -> Void) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RapportError(.notFound, "cannot open \(path)")
        }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var lineNo = 0
        while true {
            let data = try handle.read(upToCount: chunkSize) ?? Data()
            var batch: [([UInt8], Int)] = []
            if data.isEmpty {
                if !carry.isEmpty {
                    if carry.last == 0x0D { carry.removeLast() }
                    try await body([(carry, lineNo + 1)])
                }
                return
            }
            let chunk = [UInt8](data)
            var start = 0
            for i in chunk.indices where chunk[i] == 0x0A {
                lineNo += 1
                var line = carry
                line.append(contentsOf: chunk[start..<i])
                carry.removeAll(keepingCapacity: true)
                if line.last == 0x0D { line.removeLast() }
                batch.append((line, lineNo))
                start = i + 1
            }
            carry.append(contentsOf: chunk[start...])
            if !batch.isEmpty { try await body(batch) }
        }
    }
}
