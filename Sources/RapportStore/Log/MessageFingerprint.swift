import RapportCore

/// A 128-bit fingerprint of (source, messageId): what the log's dedupe
/// remembers of a message instead of the message id itself.
///
/// Two XXH64 hashes with different seeds over the source id (8 bytes, little
/// endian) followed by the id's UTF-8. At 128 bits, the chance that two of a
/// billion distinct messages share a fingerprint is about 10⁻²¹; XXH64 is not
/// a cryptographic hash, but an id that collides on purpose would have to be
/// crafted against another message's id known in advance, and could at worst
/// make that one message count as a retry. The fingerprints are stored, so
/// the function must never change: the test vectors pin it.
public struct MessageFingerprint: Hashable, Sendable {
    public var low: UInt64
    public var high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    public init(sourceId: Int64, messageId: String) {
        var scratch: [UInt8] = []
        self.init(sourceId: sourceId, messageId: messageId, scratch: &scratch)
    }

    /// The same, reusing `scratch` for the hashed bytes.
    package init(sourceId: Int64, messageId: String, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: sourceId.littleEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: messageId.utf8)
        (low, high) = scratch.withUnsafeBytes { b in
            (XXH64.hash(b, seed: 0), XXH64.hash(b, seed: 0x9E37_79B9_7F4A_7C15))
        }
    }

    static let byteCount = 16

    func write(to out: inout [UInt8]) {
        withUnsafeBytes(of: low.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: high.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with each fingerprint of a blob written by ``write(to:)``;
    /// a trailing partial fingerprint is ignored.
    package static func forEach(in blob: UnsafeRawBufferPointer, _ body: (MessageFingerprint) -> Void) {
        var i = 0
        while i + byteCount <= blob.count {
            body(MessageFingerprint(
                low: UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: i, as: UInt64.self)),
                high: UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))))
            i += byteCount
        }
    }
}
