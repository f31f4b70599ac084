/// One generated Segment-spec message and the channel that sends it.
public struct DemoMessage: Sendable {
    /// The channel: `web`, `app`, `miniprogram`, `store` or `crm` (one of
    /// ``DemoGenerator/sources``).
    public var source: String
    /// The message: one compact JSON object with `type`, `messageId`,
    /// `timestamp` (ISO 8601, the historical event time; no `sentAt`),
    /// `userId` and/or `anonymousId`, `event`/`name`, `properties` or
    /// `traits`, and `context`.
    public var json: [UInt8]
    /// The message's timestamp in milliseconds since 1970 (the same instant as
    /// the `timestamp` in ``json``).
    public var timestamp: Int64
    /// Ground truth for tests: the index (`0..<customers`) of the simulated
    /// person who sent the message. Not part of the JSON; identity resolution
    /// should merge all of one person's identified messages into one profile.
    public var customer: Int

    public init(source: String, json: [UInt8], timestamp: Int64, customer: Int) {
        self.source = source
        self.json = json
        self.timestamp = timestamp
        self.customer = customer
    }
}
