import RapportCore

/// The events of one workspace in columns, for conditions and computed traits.
///
/// Every event is one row of a few arrays — its name (interned), time, the
/// profile it landed on (a dense *slot*), and the values of the event paths
/// some definition reads (``register(_:)``), as (path, value) pairs in one
/// pool with values interned. Two lists of row numbers lead into them: per
/// name (for scans over all profiles) and per profile (for one profile's
/// conditions). Rows are in log order, so a row number orders events as
/// their log positions do.
///
/// The index keeps only the paths registered when an event arrived: after
/// registering new ones, rebuild it from the log (``needsRebuild``) to see
/// them in older events.
public struct AudienceIndex: Sendable {
    /// A profile's dense number in this index.
    public typealias Slot = UInt32
    /// An event's row number.
    public typealias Row = UInt32

    public private(set) var names: [String] = []
    private var nameIds: [String: UInt32] = [:]
    public private(set) var paths: [EventPath] = []
    private var pathIds: [EventPath: UInt32] = [:]
    private var values: [JSONValue] = []
    private var valueIds: [JSONValue: UInt32] = [:]

    private(set) var eventName: [UInt32] = []
    private(set) var eventTime: [Int64] = []
    private(set) var eventSlot: [Slot] = []
    /// Where each row's pairs end in ``pool`` (they start where the previous row's end).
    private var pairsEnd: [UInt32] = []
    /// (path id, value id) pairs.
    private var pool: [UInt32] = []
    private(set) var byName: [[Row]] = []
    private(set) var bySlot: [[Row]] = []
    private(set) var profiles: [ProfileID] = []
    private var slots: [ProfileID: Slot] = [:]

    /// Paths registered since the index was built: older events lack them.
    public private(set) var needsRebuild = false
    /// Rows refused because the index is full (4 billion events or pairs).
    public private(set) var refused = 0

    public init(paths: Set<EventPath> = []) {
        for p in paths.sorted(by: { "\($0)" < "\($1)" }) { addPath(p) }
    }

    /// The number of events indexed.
    public var count: Int { eventTime.count }

    /// Whether an event's properties and context are needed (some path is registered).
    public var readsBodies: Bool { !paths.isEmpty }

    /// Keeps these paths from now on. Returns whether any was new; the
    /// index then ``needsRebuild`` to have them for older events too (an
    /// empty index does not).
    @discardableResult
    public mutating func register(_ newPaths: Set<EventPath>) -> Bool {
        var added = false
        for p in newPaths.sorted(by: { "\($0)" < "\($1)" }) where pathIds[p] == nil && p != .name {
            addPath(p)
            added = true
        }
        if added, count > 0 { needsRebuild = true }
        return added
    }

    /// An empty index keeping the same paths (to rebuild into).
    public func emptied() -> AudienceIndex {
        var empty = AudienceIndex()
        for p in paths { empty.addPath(p) }
        return empty
    }

    private mutating func addPath(_ p: EventPath) {
        pathIds[p] = UInt32(paths.count)
        paths.append(p)
    }

    /// The slot of a profile, if it has events here.
    public func slot(of profile: ProfileID) -> Slot? { slots[profile] }

    /// Adds an event at the end. `properties` and `context` are the event's
    /// objects (only read when paths are registered).
    public mutating func append(profile: ProfileID, name: String, time: Int64,
                                properties: JSONValue?, context: JSONValue?) {
        guard eventTime.count < Int(Row.max) else {
            refused += 1
            return
        }
        let row = Row(eventTime.count)
        let slot: Slot
        if let s = slots[profile] {
            slot = s
        } else {
            slot = Slot(profiles.count)
            slots[profile] = slot
            profiles.append(profile)
            bySlot.append([])
        }
        let nameId: UInt32
        if let n = nameIds[name] {
            nameId = n
        } else {
            nameId = UInt32(names.count)
            nameIds[name] = nameId
            names.append(name)
            byName.append([])
        }
        var newPairs = 0
        for (pathId, path) in paths.enumerated() {
            guard let v = path.value(properties: properties, context: context) else { continue }
            guard pool.count < Int(UInt32.max) - 2 else { break }
            let valueId: UInt32
            if let id = valueIds[v] {
                valueId = id
            } else {
                valueId = UInt32(truncatingIfNeeded: values.count)
                valueIds[v] = valueId
                values.append(v)
            }
            pool.append(UInt32(truncatingIfNeeded: pathId))
            pool.append(valueId)
            newPairs += 1
        }
        eventName.append(nameId)
        eventTime.append(time)
        eventSlot.append(slot)
        pairsEnd.append(UInt32(truncatingIfNeeded: pool.count))
        byName[Int(nameId)].append(row)  // trap-ok: nameId < names.count = byName.count
        bySlot[Int(slot)].append(row)  // trap-ok: slot < profiles.count = bySlot.count
    }

    /// The value of path `pathId` on event `row`, if the event has it.
    func value(row: Int, pathId: UInt32) -> JSONValue? {
        guard row >= 0, row < pairsEnd.count else { return nil }
        var i = row == 0 ? 0 : Int(pairsEnd[row - 1])  // trap-ok: 0 < row < count
        let end = Int(pairsEnd[row])  // trap-ok: row < count
        while i + 1 < end {
            if pool[i] == pathId { return values[Int(pool[i + 1])] }  // trap-ok: i + 1 < end ≤ pool.count; ids come from values
            i += 2
        }
        return nil
    }

    /// An event as conditions see it: its name, time, and the registered
    /// paths it has, rebuilt into `properties` and `context`.
    public func subjectEvent(row: Int) -> SubjectEvent? {
        guard row >= 0, row < eventTime.count else { return nil }
        let name = names[Int(eventName[row])]  // trap-ok: row < count; name ids come from names
        var properties = JSONValue.object([:])
        var context = JSONValue.object([:])
        var i = row == 0 ? 0 : Int(pairsEnd[row - 1])  // trap-ok: 0 < row < count
        let end = Int(pairsEnd[row])  // trap-ok: row < count
        while i + 1 < end {
            let path = paths[Int(pool[i])]  // trap-ok: path ids come from paths
            let v = values[Int(pool[i + 1])]  // trap-ok: value ids come from values
            switch path {
            case .properties(let p): properties.set(v, at: p[...])
            case .context(let p): context.set(v, at: p[...])
            case .name: break
            }
            i += 2
        }
        return SubjectEvent(name: name, time: eventTime[row], properties: properties, context: context)  // trap-ok: row < count
    }

    /// The events of these profiles (a profile and those merged into it)
    /// named `name` (all when `nil`), oldest first; events at the same time
    /// in log order.
    public func events(of profiles: [ProfileID], named name: String?) -> [SubjectEvent] {
        var rows: [Row] = []
        let nameId: UInt32?
        if let name {
            guard let id = nameIds[name] else { return [] }
            nameId = id
        } else {
            nameId = nil
        }
        for p in profiles {
            guard let s = slots[p] else { continue }
            for r in bySlot[Int(s)] where nameId.map({ eventName[Int(r)] == $0 }) ?? true {  // trap-ok: slots and rows come from the index
                rows.append(r)
            }
        }
        if profiles.count > 1 { rows.sort() }
        // Log order; then by time, stably.
        let ordered = rows.enumerated().sorted { a, b in
            let ta = eventTime[Int(a.element)], tb = eventTime[Int(b.element)]  // trap-ok: rows of the index
            return ta != tb ? ta < tb : a.offset < b.offset
        }
        return ordered.compactMap { subjectEvent(row: Int($0.element)) }
    }
}

extension JSONValue {
    /// Sets `v` at `path` inside this value, making objects on the way.
    mutating func set(_ v: JSONValue, at path: ArraySlice<String>) {
        guard let key = path.first else {
            self = v
            return
        }
        var members = objectValue ?? [:]
        var child = members[key] ?? .object([:])
        child.set(v, at: path.dropFirst())
        members[key] = child
        self = .object(members)
    }
}

/// The `properties` and `context` objects of a message's JSON body, decoded
/// (every other member skipped); `nil` for one it lacks or cannot decode.
public enum EventBody {
    public static func propertiesAndContext(_ body: UnsafeBufferPointer<UInt8>) -> (JSONValue?, JSONValue?) {
        var scanner = JSONScanner(body)
        var properties: JSONValue?
        var context: JSONValue?
        do throws(RapportError) {
            guard try scanner.beginObject() else { return (nil, nil) }
            repeat {
                let key = try scanner.readKey()
                if key == "properties" {
                    properties = try scanner.parseValue()
                } else if key == "context" {
                    context = try scanner.parseValue()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        } catch {
            return (properties, context)
        }
        return (properties, context)
    }

    public static func propertiesAndContext(_ message: Message) -> (JSONValue?, JSONValue?) {
        message.withBody { propertiesAndContext($0) }
    }
}
