import Foundation
import RapportAudience
import RapportCore

/// A workspace's definitions as evaluated: every segment (the operator's,
/// the lifecycle stages', the rule tags'), the computed traits, and the
/// lifecycle model.
public struct WorkspaceDefinitions: Sendable {
    public var segments: [SegmentDefinition]
    public var traits: [ComputedTrait]
    public var lifecycle: LifecycleModel?
    public var rfm: RFMModel?
    public var clusters: ClusterModel?

    public init(segments: [SegmentDefinition], traits: [ComputedTrait], lifecycle: LifecycleModel?, rfm: RFMModel? = nil,
                clusters: ClusterModel? = nil) {
        self.segments = segments
        self.traits = traits
        self.lifecycle = lifecycle
        self.rfm = rfm
        self.clusters = clusters
    }

    /// The model with each stage's own condition, `stage` tests resolved.
    var lifecycleSpec: LifecycleSpec? {
        guard let lifecycle, let stages = try? lifecycle.parsed() else { return nil }
        let names = stages.map(\.name)
        return LifecycleSpec(model: lifecycle, stages: stages.map { ($0.name, $0.condition.resolvingStage(names)) })
    }
}

/// The JSON text models are stored as: keys sorted, so a model saved twice is the same text.
enum StoredJSON {
    static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A model read from its JSON text; `RapportError` naming the model (`noun`) and what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, _ text: String, noun: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch let e as DecodingError {
            throw RapportError(.invalidArgument, "not \(noun): \(LifecycleModel.describe(e))")
        }
    }
}

extension RFMModel {
    /// Reads a model from its JSON text.
    public init(json text: String) throws { self = try StoredJSON.decode(RFMModel.self, text, noun: "an RFM model") }

    /// The model as JSON text, keys sorted.
    public var jsonText: String { StoredJSON.text(self) }
}

extension ClusterModel {
    /// Reads a model from its JSON text.
    public init(json text: String) throws { self = try StoredJSON.decode(ClusterModel.self, text, noun: "a cluster model") }

    /// The model as JSON text, keys sorted.
    public var jsonText: String { StoredJSON.text(self) }
}

extension LifecycleModel {
    /// Reads a model from its JSON text (as stored, or sent to the API).
    public init(json text: String) throws {
        self = try StoredJSON.decode(LifecycleModel.self, text, noun: "a lifecycle model")
    }

    /// The model as JSON text, keys sorted.
    public var jsonText: String { StoredJSON.text(self) }

    static func describe(_ e: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let k, let c): return "\"\(k.stringValue)\" is missing\(at(c.codingPath))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type\(at(c.codingPath))"
        case .dataCorrupted(let c): return "not JSON\(at(c.codingPath))"
        @unknown default: return "not readable"
        }
    }
}
