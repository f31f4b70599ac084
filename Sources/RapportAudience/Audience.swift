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
/// for the profiles an event touched: the reference evaluator
/// (``Condition/matches(_:now:)``) works that profile out over the index.
/// Each refresh also records what the definitions read of the profile in a
/// ``ProfileTable``, so that the scheduler's tick, ``reevaluate(now:)``,
/// evaluates every profile at once over columns (``ColumnarEvaluator``)
/// without the engine's help. The two agree: tests compare them.
public struct Audience: Sendable {
    public var index = AudienceIndex()
    public private(set) var traits: [ComputedTrait] = []
    /// In evaluation order: every segment after those it refers to.
    public private(set) var segments: [SegmentDefinition] = []
    var table = ProfileTable()
    /// Members of each segment (as ``segments``), by profile position.
    var memberBits: [Bits] = []
    /// Each computed trait's values (as ``traits``), by profile position.
    private var traitColumns: [TraitColumn] = []
    /// Each event's owner position, kept between full re-evaluations.
    var owners = OwnerColumns()
    /// The definitions read attributes or tags the table does not hold yet:
    /// every live profile must be given again (``refresh(all:now:)``).
    public private(set) var needsProfiles = false

    public init() {}

    /// Whether some segment tests the profile's RFM (`rfm.r`, `rfm.group`, …).
    public var readsRFM: Bool { reads(attribute: "rfm") }

    /// Whether some segment tests this derived attribute (`rfm`, `cluster`) or a path under it.
    public func reads(attribute name: String) -> Bool {
        segments.contains { $0.condition.attributePathsReferred.contains { $0.first == name } }
    }

    /// The number of live profiles recorded.
    public var liveCount: Int { table.liveCount }

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
        let oldSegments = segments, oldTraits = traits
        let oldBits = memberBits, oldColumns = traitColumns
        segments = order.compactMap { name in byName[name].map { SegmentDefinition(name: name, condition: $0) } }
        traits = newTraits
        var paths: Set<EventPath> = []
        for s in segments { paths.formUnion(s.condition.eventPathsReferred) }
        for t in traits { paths.formUnion(t.expression.eventPathsReferred) }
        index.register(paths)
        memberBits = segments.map { s in
            oldSegments.firstIndex { $0.name == s.name }.map { oldBits[$0] } ?? Bits(count: table.count)  // trap-ok: parallel arrays
        }
        traitColumns = traits.map { t in
            oldTraits.firstIndex { $0 == t }.map { oldColumns[$0] } ?? TraitColumn(for: t.expression, count: table.count)  // trap-ok: parallel arrays
        }
        var attributePaths: Set<[String]> = []
        var tags: Set<String> = []
        for s in segments {
            attributePaths.formUnion(s.condition.attributePathsReferred)
            tags.formUnion(s.condition.tagsReferred)
        }
        let sortedPaths = attributePaths.sorted { $0.joined(separator: ".") < $1.joined(separator: ".") }
        if table.configure(paths: sortedPaths, tags: tags.sorted()), table.liveCount > 0 { needsProfiles = true }
    }

    /// Evaluates every computed trait and segment for a live profile, and
    /// returns the segments it entered and left.
    public mutating func refresh(_ profile: AudienceProfile, now: Int64) -> [MembershipChange] {
        if isEmpty { return [] }
        let pos = table.set(profile, index: index)
        let subject = AudienceSubject(index: index, view: profile)
        var values: [String: JSONValue] = [:]
        for (k, t) in traits.enumerated() {
            let v = t.expression.traitValue(for: subject, now: now)
            traitColumns[k].set(v, at: pos)  // trap-ok: parallel arrays
            if let json = v.json { values[t.name] = json }
        }
        subject.computed = values
        var changes: [MembershipChange] = []
        for (k, s) in segments.enumerated() {
            let inside = s.condition.matches(subject, now: now)
            if inside { subject.segments.insert(s.name) }
            if inside != memberBits[k][pos] {  // trap-ok: parallel arrays
                memberBits[k][pos] = inside  // trap-ok: parallel arrays
                changes.append(MembershipChange(segment: s.name, profile: profile.id, entered: inside))
            }
        }
        return changes
    }

    /// Evaluates every live profile from scratch: these are all of them
    /// (profiles missing from the list leave every segment).
    public mutating func refresh(all profiles: [AudienceProfile], now: Int64) -> [MembershipChange] {
        let given = Set(profiles.map(\.id))
        var changes: [MembershipChange] = []
        for id in table.ids where table.position(of: id) != nil && !given.contains(id) { changes += remove(id) }
        for p in profiles { table.set(p, index: index) }
        needsProfiles = false
        return changes + reevaluate(now: now)
    }

    /// The memory the owner columns kept between full re-evaluations hold, in
    /// bytes (4 per event of the tables the definitions read).
    public var ownerColumnBytes: Int { owners.approximateBytes }

    /// Evaluates every profile again over the columns, as things stand at
    /// `now`: what time alone changed (windows, relative times). Returns the
    /// membership changes.
    public mutating func reevaluate(now: Int64) -> [MembershipChange] {
        guard !isEmpty, !needsProfiles else { return [] }
        owners.update(index: index, table: table, names: ColumnarEvaluator.tablesRead(traits: traits, segments: segments))
        table.clearOwnerChanges()
        var evaluator = ColumnarEvaluator(index: index, table: table, now: now, owners: owners.columns)
        let (columns, bits) = evaluator.run(traits: traits, segments: segments)
        traitColumns = columns
        var changes: [MembershipChange] = []
        for (k, s) in segments.enumerated() {
            let old = memberBits[k]  // trap-ok: parallel arrays
            let new = bits[k]  // trap-ok: one result per segment
            for w in 0..<max(old.words.count, new.words.count) {
                let a = w < old.words.count ? old.words[w] : 0  // trap-ok: checked
                let b = w < new.words.count ? new.words[w] : 0  // trap-ok: checked
                var diff = a ^ b
                while diff != 0 {
                    let pos = w * 64 + diff.trailingZeroBitCount
                    diff &= diff - 1
                    guard pos < table.ids.count else { continue }
                    changes.append(MembershipChange(segment: s.name, profile: table.ids[pos], entered: new[pos]))  // trap-ok: checked
                }
            }
            memberBits[k] = new  // trap-ok: parallel arrays
        }
        return changes
    }

    /// A profile that is no longer live (merged into another) leaves every
    /// segment and loses its computed values.
    public mutating func remove(_ profile: ProfileID) -> [MembershipChange] {
        guard let pos = table.remove(profile) else { return [] }
        for k in traitColumns.indices { traitColumns[k].set(.missing, at: pos) }  // trap-ok: indices
        var changes: [MembershipChange] = []
        for (k, s) in segments.enumerated() where memberBits[k][pos] {  // trap-ok: parallel arrays
            memberBits[k][pos] = false  // trap-ok: parallel arrays
            changes.append(MembershipChange(segment: s.name, profile: profile, entered: false))
        }
        return changes
    }

    /// The segments a profile is in, in evaluation order.
    public func segments(of profile: ProfileID) -> [String] {
        guard let pos = table.position(of: profile) else { return [] }
        return segments.indices.compactMap { memberBits[$0][pos] ? segments[$0].name : nil }  // trap-ok: parallel arrays
    }

    /// A profile's computed trait values (those it has).
    public func computed(of profile: ProfileID) -> [String: JSONValue] {
        guard let pos = table.position(of: profile) else { return [:] }
        var out: [String: JSONValue] = [:]
        for (k, t) in traits.enumerated() {
            if let v = traitColumns[k].value(at: pos).json { out[t.name] = v }  // trap-ok: parallel arrays
        }
        return out
    }

    /// The live profiles in a segment, ascending; `nil` if there is no such segment.
    public func members(of segment: String) -> [ProfileID]? {
        guard let k = segments.firstIndex(where: { $0.name == segment }) else { return nil }
        return memberBits[k].positions.compactMap { $0 < table.ids.count ? table.ids[$0] : nil }.sorted()  // trap-ok: checked
    }

    /// The number of live profiles in a segment.
    public func size(of segment: String) -> Int? {
        guard let k = segments.firstIndex(where: { $0.name == segment }) else { return nil }
        return memberBits[k].nonzeroBitCount  // trap-ok: an index of segments
    }

    /// The lifecycle stage a profile is in (``LifecycleStages``), if any.
    public func stage(of profile: ProfileID) -> String? {
        guard let pos = table.position(of: profile) else { return nil }
        for (k, s) in segments.enumerated() where memberBits[k][pos] {  // trap-ok: parallel arrays
            if let stage = LifecycleStages.stage(ofSegment: s.name) { return stage }
        }
        return nil
    }

    /// Why a condition holds for a profile now, or does not: its deciding
    /// tests with the profile's values (``Condition/explain(_:now:)``).
    public func explain(_ condition: Condition, _ profile: AudienceProfile, now: Int64) -> [ConditionExplanation] {
        condition.explain(subject(profile), now: now)
    }

    /// Whether a condition holds for a profile now (a preview, or a segment
    /// not saved yet), with the profile's current computed values and
    /// memberships.
    public func matches(_ condition: Condition, _ profile: AudienceProfile, now: Int64) -> Bool {
        condition.matches(subject(profile), now: now)
    }

    /// A profile's figures for a cluster model (``ClusterModel/figures(_:)``),
    /// computed traits read as they last were.
    public func figures(_ model: ClusterModel, of profile: AudienceProfile) -> [Double]? {
        let computed = computed(of: profile.id)
        return model.figures { path in
            if path.count == 1, let head = path.first, let v = computed[head] { return v }
            return profile.value(at: path)
        }
    }

    /// A profile as conditions see it, with its current computed values and memberships.
    private func subject(_ profile: AudienceProfile) -> AudienceSubject {
        let subject = AudienceSubject(index: index, view: profile)
        subject.computed = computed(of: profile.id)
        subject.segments = Set(segments(of: profile.id))
        return subject
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
        if path.count == 1, let v = computed[head] { return v }
        return view.value(at: path)
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
