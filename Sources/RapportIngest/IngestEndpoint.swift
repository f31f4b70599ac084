import RapportCore

/// What a Tracking API request body holds.
public enum IngestEndpoint: Sendable, Hashable {
    /// One message (`/v1/identify`, `/v1/track`, …). Its `type` field may be
    /// absent; if present it must match.
    case single(MessageType)
    /// `{"batch": [...], "sentAt": …, "context": …, "writeKey": …}`
    /// (`/v1/batch`, `/v1/import`).
    case batch

    /// The endpoint of a request path: `/v1/identify`, `/v1/track`,
    /// `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias`, `/v1/batch`,
    /// `/v1/import`, and the short forms analytics.js uses (`/v1/i`, `/v1/t`,
    /// `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`, `/v1/b`). A trailing `/` is ignored.
    public init?(path: String) {
        var path = Substring(path)
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        guard path.hasPrefix("/v1/") else { return nil }
        switch path.dropFirst(4) {
        case "identify", "i": self = .single(.identify)
        case "track", "t": self = .single(.track)
        case "page", "p": self = .single(.page)
        case "screen", "s": self = .single(.screen)
        case "group", "g": self = .single(.group)
        case "alias", "a": self = .single(.alias)
        case "batch", "import", "b": self = .batch
        default: return nil
        }
    }
}
