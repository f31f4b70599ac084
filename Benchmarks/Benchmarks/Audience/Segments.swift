import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportIngest
import Workload

/// A demo workspace's audience at scale: every message of the demo generator
/// (seed 7, 180 days) decoded as `/v1/batch` would, appended to one
/// ``AudienceIndex`` under its person (the profile identity resolution gives
/// it), with each person's traits from their `identify` calls; 50 segments
/// and 20 computed traits defined.
struct AudienceWorkload: @unchecked Sendable {
    var audience: Audience
    var views: [AudienceProfile]
    var messages: Int
    /// The end of the generated history: conditions are evaluated an hour later.
    var now: Int64
    /// Resident memory before building and after (bytes).
    var residentBefore: Int
    var residentAfter: Int

    static let customers = ProcessInfo.processInfo.environment["RAPPORT_BENCH_CUSTOMERS"].flatMap(Int.init) ?? 1_000_000

    /// Built once per process.
    static let shared: AudienceWorkload = build(customers: customers)

    /// The same with what reports read besides: each event's source (its channel), the campaign of its
    /// context, revenue and referral codes; and the standard lifecycle model's stages defined.
    static let reports: AudienceWorkload = build(customers: customers, reports: true)

    /// The paths ``reports`` keeps.
    static let reportPaths: Set<EventPath> = [
        .source, .context(["campaign", "source"]), .context(["campaign", "name"]), .properties(["revenue"]),
        .properties(["referral_code"]),
    ]

    static func build(customers: Int, reports: Bool = false) -> AudienceWorkload {
        let before = residentBytes()
        var audience = Audience()
        do {
            var definitions = try segments()
            if reports { definitions += LifecycleStages.segments(try LifecycleModel.standard().parsed()) }
            try audience.define(segments: definitions, traits: traits())
        } catch {
            fatalError("benchmark definitions: \(error)")
        }
        if reports { _ = audience.index.register(reportPaths) }
        let sourceIds = Dictionary(uniqueKeysWithValues: DemoGenerator.sources.enumerated().map { ($1, SourceID($0 + 1)) })
        let keep: Set<String> = ["city", "member_level", "gender", "age", "occupation"]
        var traits = [[String: JSONValue]](repeating: [:], count: customers)
        var firstSeen = [Int64](repeating: .max, count: customers)
        var lastSeen = [Int64](repeating: .min, count: customers)
        let decoder = MessageDecoder()
        let config = DemoConfig(customers: customers, days: 180, seed: 7)
        var messages = 0
        DemoGenerator(config: config).generate { m in
            guard let message = try? decoder.decodeLine(m.json, receivedAt: m.timestamp), m.customer < customers else { return }
            messages += 1
            let c = m.customer
            if message.type == .identify {
                for (k, v) in message.traits where keep.contains(k) { traits[c][k] = v }
            }
            firstSeen[c] = min(firstSeen[c], message.timestamp)
            lastSeen[c] = max(lastSeen[c], message.timestamp)
            let (properties, context) = EventBody.propertiesAndContext(message)
            audience.index.append(profile: ProfileID(Int64(c + 1)), name: message.displayName, time: message.timestamp,
                                  properties: properties, context: context, source: reports ? sourceIds[m.source] : nil)
        }
        var views: [AudienceProfile] = []
        views.reserveCapacity(customers)
        for c in 0..<customers where firstSeen[c] != .max {
            let id = ProfileID(Int64(c + 1))
            views.append(AudienceProfile(id: id, members: [id], traits: traits[c], attributes: [
                "first_seen": .string(Timestamp.formatISO8601(firstSeen[c])),
                "last_seen": .string(Timestamp.formatISO8601(lastSeen[c])),
            ]))
        }
        let after = residentBytes()
        return AudienceWorkload(audience: audience, views: views, messages: messages, now: config.endMillis + 3_600_000,
                                residentBefore: before, residentAfter: after)
    }

    /// The 50 segments (``AudienceDefinitions/segments``).
    static func segments() throws -> [SegmentDefinition] {
        try AudienceDefinitions.segments.map { SegmentDefinition(name: $0.name, condition: try Condition.parse($0.text)) }
    }

    /// The 20 computed traits (``AudienceDefinitions/traits``).
    static func traits() throws -> [ComputedTrait] {
        try AudienceDefinitions.traits.map { try ComputedTrait(name: $0.name, text: $0.text) }
    }
}

/// The process's resident memory (Linux `/proc/self/statm`), in bytes; 0 elsewhere.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
