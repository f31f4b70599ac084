import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The JSON shapes of the admin API.
enum ProfileJSON {
    static func time(_ ms: Int64?) -> JSONValue {
        guard let ms, ms != .max, ms != .min else { return .null }
        return .string(Timestamp.formatISO8601(ms))
    }

    static func aggregates(_ a: ProfileAggregates) -> JSONValue {
        .object([
            "firstSeen": time(a.eventCount > 0 ? a.firstSeen : nil),
            "lastSeen": time(a.eventCount > 0 ? a.lastSeen : nil),
            "events": .number(Double(a.eventCount)),
            "eventCounts": .object(a.eventCounts.mapValues { .number(Double($0)) }),
            "orders": .number(Double(a.orders)),
            "revenue": .number((a.revenue * 100).rounded() / 100),
            "refunds": .number(Double(a.refunds)),
            "refundedAmount": .number((a.refundedAmount * 100).rounded() / 100),
            "firstOrderAt": time(a.firstOrderAt),
            "lastOrderAt": time(a.lastOrderAt),
        ])
    }

    static func profile(_ v: ProfileView) -> JSONValue {
        .object([
            "id": .number(Double(v.id.rawValue)),
            "createdAt": time(v.createdAt),
            "mergedProfiles": .array(v.mergedProfiles.map { .number(Double($0.rawValue)) }),
            "identifiers": .array(v.identifiers.sorted { ($0.firstSeen, $0.identifier) < ($1.firstSeen, $1.identifier) }.map {
                .object([
                    "kind": .string($0.identifier.kind), "value": .string($0.identifier.value),
                    "profileId": .number(Double($0.profileId.rawValue)), "firstSeen": time($0.firstSeen),
                ])
            }),
            "traits": .object(v.traits.mapValues { .object(["value": $0.value, "setAt": time($0.setAt)]) }),
            "aggregates": aggregates(v.aggregates),
            "merges": .array(v.merges.map(merge)),
            "segments": .array(v.segments.map(JSONValue.string)),
            "tags": .array(v.tags.map(JSONValue.string)),
            "computedTraits": .object(v.computed),
            "stage": v.stage.map(stage) ?? .null,
            "rfm": v.rfm?.json ?? .null,
            "clv": v.clv?.json ?? .null,
            "churn_risk": v.churnRisk.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null,
            "cluster": v.cluster.map { .object(["number": .number(Double($0.number)), "name": .string($0.name ?? "Cluster \($0.number)")]) } ?? .null,
        ])
    }

    /// `{"name", "description", "since", "reason": "…; …", "tests": [{"condition", "value", "holds"}]}`.
    static func stage(_ s: ProfileStage) -> JSONValue {
        .object([
            "name": .string(s.name), "description": .string(s.description), "since": time(s.since),
            "reason": .string(ConditionExplanation.summary(s.reason)),
            "tests": .array(s.reason.map {
                .object(["condition": .string($0.condition), "value": $0.value.map(JSONValue.string) ?? .null,
                         "holds": .bool($0.holds)])
            }),
        ])
    }

    static func summary(_ v: ProfileView) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .number(Double(v.id.rawValue)),
            "identifiers": .array(v.identifiers.map { .string($0.identifier.description) }),
            "lastSeen": time(v.aggregates.eventCount > 0 ? v.aggregates.lastSeen : nil),
            "orders": .number(Double(v.aggregates.orders)),
        ]
        if let name = v.traits["name"]?.value { o["name"] = name }
        return .object(o)
    }

    static func merge(_ m: MergeRecord) -> JSONValue {
        .object([
            "id": .number(Double(m.id)), "from": .number(Double(m.from.rawValue)),
            "into": .number(Double(m.into.rawValue)), "identifier": .string(m.identifier),
            "messageId": .string(m.messageId), "seq": .number(Double(m.seq)), "at": time(m.at),
            "undoneAt": time(m.undoneAt), "undoneBy": m.undoneBy.map(JSONValue.string) ?? .null,
        ])
    }

    static func event(_ e: TimelineEvent) -> JSONValue {
        .object([
            "seq": .number(Double(e.stored.seq)), "messageId": .string(e.stored.messageId),
            "type": .string(e.stored.type.rawValue), "name": .string(e.stored.name),
            "source": .string(e.sourceName), "timestamp": time(e.stored.timestamp),
            "receivedAt": time(e.stored.receivedAt), "message": e.message,
        ])
    }

    static func stats(_ s: StoreStats) -> JSONValue {
        .object([
            "events": .number(Double(s.events)),
            "eventsByName": .object(s.eventsByType.mapValues { .number(Double($0)) }),
            "eventsBySource": .object(s.eventsBySource.mapValues { .number(Double($0)) }),
            "profiles": .number(Double(s.liveProfiles)),
            "mergedProfiles": .number(Double(s.profiles - s.liveProfiles)),
            "identifiersByKind": .object(s.identifiersByKind.mapValues { .number(Double($0)) }),
            "orders": .number(Double(s.orders)),
            "revenue": .number((s.revenue * 100).rounded() / 100),
            "merges": .number(Double(s.merges)),
            "undoneMerges": .number(Double(s.undoneMerges)),
            "identityWarnings": .number(Double(s.identityWarnings)),
            "projectionCheckpoint": .number(Double(s.checkpoint)),
            "logPosition": .number(Double(s.lastSeq)),
        ])
    }
}
