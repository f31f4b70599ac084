import RapportCore

/// Size limits of the Segment HTTP Tracking API that the decoder enforces.
public struct IngestLimits: Sendable, Hashable {
    /// The largest message, in bytes of JSON (Segment: 32 KB).
    public var maxMessageBytes: Int
    /// The largest request body, in bytes, after decompression (Segment: 500 KB).
    public var maxRequestBytes: Int
    /// The most messages in one batch.
    public var maxBatchMessages: Int

    public init(maxMessageBytes: Int = 32 * 1024, maxRequestBytes: Int = 500 * 1024, maxBatchMessages: Int = 2500) {
        self.maxMessageBytes = maxMessageBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxBatchMessages = maxBatchMessages
    }
}
