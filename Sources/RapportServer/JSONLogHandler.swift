import Foundation
import Logging
import RapportCore

/// A swift-log handler that writes one JSON object per line — time, level,
/// label, message, source and metadata — for log collectors
/// (`rapport serve --log-format json`).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let write: @Sendable ([UInt8]) -> Void

    /// A handler writing to standard error.
    public init(label: String) {
        self.init(label: label) { line in FileHandle.standardError.write(Data(line)) }
    }

    /// A handler writing each line to `write` (tests use this).
    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(Self.line(event: event, label: label, handlerMetadata: metadata, now: SystemClock().nowMillis()))
    }

    /// The JSON line for a log event (ends with a line feed).
    static func line(event: LogEvent, label: String, handlerMetadata: Logger.Metadata, now: Int64) -> [UInt8] {
        var fields: [String: JSONValue] = [
            "time": .string(Timestamp.formatISO8601(now)),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "message": .string(event.message.description),
            "source": .string(event.source),
        ]
        if let error = event.error { fields["error"] = .string(String(describing: error)) }
        var merged = handlerMetadata
        for (k, v) in event.metadata ?? [:] { merged[k] = v }
        if !merged.isEmpty { fields["metadata"] = .object(merged.mapValues(Self.json)) }
        var out = JSONValue.object(fields).serialized()
        out.append(0x0A)
        return out
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(d.mapValues(json))
        }
    }
}
