import RapportCore

/// A segment: who a condition means, kept current for every profile.
public struct SegmentDefinition: Sendable, Hashable {
    public var name: String
    public var condition: Condition

    public init(name: String, condition: Condition) {
        self.name = name
        self.condition = condition
    }
}

/// What the engine knows of a live profile, for its conditions.
public struct AudienceProfile: Sendable {
    public var id: ProfileID
    /// The profile and every profile merged into it: their events are its events.
    public var members: [ProfileID]
    /// Its merged traits.
    public var traits: [String: JSONValue]
    public var tags: Set<String>
    /// Derived attributes by their first path name: `first_seen`, `last_seen`,
    /// `stage`, `rfm` (an object of `r`, `f`, `m`, `score`, `group`), `cluster`,
    /// `score` (an object of model scores).
    public var attributes: [String: JSONValue]

    public init(id: ProfileID, members: [ProfileID], traits: [String: JSONValue], tags: Set<String> = [],
                attributes: [String: JSONValue] = [:]) {
        self.id = id
        self.members = members
        self.traits = traits
        self.tags = tags
        self.attributes = attributes
    }
}

/// A profile entering or leaving a segment.
public struct MembershipChange: Sendable, Hashable {
    public var segment: String
    public var profile: ProfileID
    public var entered: Bool

    public init(segment: String, profile: ProfileID, entered: Bool) {
        self.segment = segment
        self.profile = profile
        self.entered = entered
    }
}

/// One workspace's audience: its event index, computed traits and segments,
/// and what they hold for each profile.
///
/// The engine appends every event to ``index`` and calls ``refresh(_:now:)``
/// for the profiles an event touched; the scheduler calls it for every
/// profile when definitions depend on time. Both paths evaluate with the
/// reference evaluator (``Condition/matches(_:now:)``) over the index, so
/// they cannot disagree.
public struct Audience: Sendable {
    public var index = AudienceIndex()
    public private(set) var traits: [ComputedTrait] = []
    /// In evaluation order: every segment after those it refers to.
    public private(set) var segments: [SegmentDefinition] = []
    /// The live profiles in each segment.
    public private(set) var members: [String: Set<ProfileID>] = [:]
    /// Each profile's computed trait values (those that have one).
    public private(set) var computed: [ProfileID: [String: JSONValue]] = [:]

    public init() {}

    /// Whether anything is defined (otherwise refreshing does nothing).
    public var isEmpty: Bool { traits.isEmpty && segments.isEmpty }

    /// Whether some definition changes with time alone (the scheduler re-evaluates then).
    public var dependsOnTime: Bool {
        traits.contains { $0.expression.dependsOnTime } || segments.contains { $0.condition.dependsOnTime }
    }

    /// Replaces the definitions. Members and values of segments and traits
    /// that remain are kept until the next refresh; those of removed ones
    /// are dropped.
    ///
    /// - Throws: ``ConditionError`` for a segment referring to one that does
    ///   not exist, a cycle, or two definitions with one name.
    public mutating func define(segments newSegments: [SegmentDefinition], traits newTraits: [ComputedTrait]) throws(ConditionError) {
        var byName: [String: Condition] = [:]
        for s in newSegments {
            guard byName.updateValue(s.condition, forKey: s.name) == nil else {
                throw ConditionError(.duplicateName, "two segments are named \"\(s.name)\"")
            }
        }
        var traitNames: Set<String> = []
        for t in newTraits where !traitNames.insert(t.name).inserted {
            throw ConditionError(.duplicateName, "two computed traits are named \"\(t.name)\"")
        }
        let order = try SegmentReferences.evaluationOrder(byName)
        segments = order.compactMap { name in byName[name].map { SegmentDefinition(name: name, condition: $0) } }
        traits = newTraits
        var paths: Set<EventPath> = []
        for s in segments { paths.formUnion(s.condition.eventPathsReferred) }
        for t in traits { paths.formUnion(t.expression.eventPathsReferred) }
        index.register(paths)
        members = members.filter { byName[$0.key] != nil }
        for s in segments where members[s.name] == nil { members[s.name] = [] }
        if traits.isEmpty {
            computed.removeAll()
        } else {
            computed = computed.mapValues { $0.filter { traitNames.contains($0.key) } }
        }
    }

    /// Evaluates every computed trait and segment for a live profile, and
    /// returns the segments it entered and left.
    public mutating func refresh(_ profile: AudienceProfile, now: Int64) -> [MembershipChange] {
        if isEmpty { return [] }
        let subject = AudienceSubject(index: index, view: profile)
        var values: [String: JSONValue] = [:]
        for t in traits {
            if let v = t.expression.value(for: subject, now: now) { values[t.name] = v }
        }
        subject.computed = values
        computed[profile.id] = values.isEmpty ? nil : values
        var changes: [MembershipChange] = []
        for s in segments {
            let inside = s.condition.matches(subject, now: now)
            if inside { subject.segments.insert(s.name) }
            let was = members[s.name]?.contains(profile.id) ?? false
            if inside != was {
                if inside { members[s.name, default: []].insert(profile.id) } else { members[s.name]?.remove(profile.id) }
                changes.append(MembershipChange(segment: s.name, profile: profile.id, entered: inside))
            }
        }
        return changes
    }

    /// A profile that is no longer live (merged into another) leaves every
    /// segment and loses its computed values.
    public mutating func remove(_ profile: ProfileID) -> [MembershipChange] {
        computed[profile] = nil
        var changes: [MembershipChange] = []
        for s in segments where members[s.name]?.remove(profile) != nil {
            changes.append(MembershipChange(segment: s.name, profile: profile, entered: false))
        }
        return changes
    }

    /// The segments a profile is in, in evaluation order.
    public func segments(of profile: ProfileID) -> [String] {
        segments.compactMap { members[$0.name]?.contains(profile) == true ? $0.name : nil }
    }

    /// Whether a condition holds for a profile now (a preview, or a segment
    /// not saved yet), with the profile's current computed values and
    /// memberships.
    public func matches(_ condition: Condition, _ profile: AudienceProfile, now: Int64) -> Bool {
        let subject = AudienceSubject(index: index, view: profile)
        subject.computed = computed[profile.id] ?? [:]
        subject.segments = Set(segments(of: profile.id))
        return condition.matches(subject, now: now)
    }
}

/// A profile as its conditions see it: traits and derived attributes from
/// the engine, computed values and memberships evaluated so far, events from
/// the index (read once per name).
final class AudienceSubject: ConditionSubject {
    let index: AudienceIndex
    let view: AudienceProfile
    var computed: [String: JSONValue] = [:]
    var segments: Set<String> = []
    private var cache: [String: [SubjectEvent]] = [:]
    private var all: [SubjectEvent]?

    init(index: AudienceIndex, view: AudienceProfile) {
        self.index = index
        self.view = view
    }

    func attribute(_ path: [String]) -> JSONValue? {
        guard let head = path.first else { return nil }
        let rest = path.dropFirst()
        if rest.isEmpty, let v = computed[head] { return v }
        if let v = view.attributes[head] { return SubjectEvent.lookup(v, rest) }
        if head == "traits", let key = rest.first {
            return view.traits[key].flatMap { SubjectEvent.lookup($0, rest.dropFirst()) }
        }
        return view.traits[head].flatMap { SubjectEvent.lookup($0, rest) }
    }

    func hasTag(_ tag: String) -> Bool { view.tags.contains(tag) }
    func isInSegment(_ name: String) -> Bool { segments.contains(name) }

    func events(named name: String?) -> [SubjectEvent] {
        guard let name else {
            if let all { return all }
            let events = index.events(of: view.members, named: nil)
            all = events
            return events
        }
        if let e = cache[name] { return e }
        let events = index.events(of: view.members, named: name)
        cache[name] = events
        return events
    }
}
