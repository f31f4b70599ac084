import RapportCore

/// The events of one workspace in columns, for conditions and computed traits.
///
/// Every event is one row of a few arrays — its name (interned), time, and
/// the values of the event paths some definition reads (``register(_:)``),
/// as (path, value) pairs in one pool with values interned — and its row
/// number is listed under the profile it landed on (a dense *slot*). Rows are
/// in log order, so a row number orders events as their log positions do.
///
/// The index keeps only the paths registered when an event arrived: after
/// registering new ones, rebuild it from the log (``needsRebuild``) to see
/// them in older events.
public struct AudienceIndex: Sendable {
    /// A profile's dense number in this index.
    public typealias Slot = UInt32
    /// An event's row number.
    public typealias Row = UInt32

    private(set) var names = Interned<String>()
    private var pathTable = Interned<EventPath>()
    /// Each path's values, numbered per path.
    private(set) var values: [Interned<JSONValue>] = []
    private var profiles = Interned<ProfileID>()

    private(set) var eventName: [UInt32] = []
    private(set) var eventTime: [Int64] = []
    private(set) var eventSlot: [Slot] = []
    /// Where each row's pairs end in ``pool`` (they start where the previous row's end).
    private(set) var pairsEnd: [UInt32] = []
    /// (path id, value id) pairs; a value id numbers the value among its path's.
    private(set) var pool: [UInt32] = []
    /// Each slot's rows, ascending.
    private(set) var bySlot: [[Row]] = []
    /// Each name's rows, ascending.
    private(set) var byName: [[Row]] = []

    /// Paths registered since the index was built: older events lack them.
    public private(set) var needsRebuild = false
    /// Rows refused because the index is full (4 billion events or pairs).
    public private(set) var refused = 0

    public init(paths: Set<EventPath> = []) {
        register(paths)
    }

    /// The paths kept, in the order they were registered.
    public var paths: [EventPath] { pathTable.items }

    /// The number of events indexed.
    public var count: Int { eventTime.count }

    /// Whether an event's properties and context are needed (some path is registered).
    public var readsBodies: Bool { !pathTable.items.isEmpty }

    /// Keeps these paths from now on. Returns whether any was new; the
    /// index then ``needsRebuild`` to have them for older events too (an
    /// empty index does not).
    @discardableResult
    public mutating func register(_ newPaths: Set<EventPath>) -> Bool {
        var added = false
        for p in newPaths.sorted(by: { "\($0)" < "\($1)" }) where p != .name && pathTable.id(p).isNew {
            values.append(Interned())
            added = true
        }
        if added, count > 0 { needsRebuild = true }
        return added
    }

    /// An empty index keeping the same paths (to rebuild into).
    public func emptied() -> AudienceIndex {
        var empty = AudienceIndex()
        empty.pathTable = pathTable
        empty.values = pathTable.items.map { _ in Interned() }
        return empty
    }

    /// Adds an event at the end. `properties` and `context` are the event's
    /// objects (only read when paths are registered).
    public mutating func append(profile: ProfileID, name: String, time: Int64,
                                properties: JSONValue?, context: JSONValue?) {
        guard eventTime.count < Int(Row.max) else {
            refused += 1
            return
        }
        let row = Row(eventTime.count)
        let (slot, newSlot) = profiles.id(profile)
        if newSlot { bySlot.append([]) }
        for (pathId, path) in pathTable.items.enumerated() {
            guard let v = path.value(properties: properties, context: context) else { continue }
            guard pool.count < Int(UInt32.max) - 2 else { break }
            pool.append(UInt32(truncatingIfNeeded: pathId))
            pool.append(values[pathId].id(v).id)  // trap-ok: one value table per path
        }
        let (nameId, newName) = names.id(name)
        if newName { byName.append([]) }
        eventName.append(nameId)
        eventTime.append(time)
        eventSlot.append(slot)
        pairsEnd.append(UInt32(truncatingIfNeeded: pool.count))
        bySlot[Int(slot)].append(row)  // trap-ok: slot < profiles.count = bySlot.count
        byName[Int(nameId)].append(row)  // trap-ok: name ids < names.count = byName.count
    }

    /// An estimate of the memory the index holds, in bytes: its columns and
    /// row lists at their capacities, and the interned values.
    public var approximateBytes: Int {
        func bytes<T>(_ a: [T]) -> Int { a.capacity * MemoryLayout<T>.stride }
        var total = bytes(eventName) + bytes(eventTime) + bytes(eventSlot) + bytes(pairsEnd) + bytes(pool)
        // An array's header is 32 bytes.
        total += bytes(bySlot) + bySlot.reduce(0) { $0 + (($1.capacity > 0) ? 32 + bytes($1) : 0) }
        total += bytes(byName) + byName.reduce(0) { $0 + 32 + bytes($1) }
        total += profiles.approximateBytes + names.approximateBytes + values.reduce(0) { $0 + $1.approximateBytes }
        return total
    }

    /// The slot of a profile that has events here.
    public func slot(of profile: ProfileID) -> Slot? { profiles.existing(profile) }

    /// The number of a registered path.
    func pathId(_ path: EventPath) -> Int? { pathTable.existing(path).map(Int.init) }

    /// Where a row's pairs lie in ``pool``.
    @inline(__always)
    func pairs(_ row: Int) -> Range<Int> {
        let start = row == 0 ? 0 : Int(pairsEnd[row &- 1])  // trap-ok: callers pass rows of the index
        return start..<max(start, Int(pairsEnd[row]))  // trap-ok: as above
    }

    /// The value id a row has for a path, if it has one.
    @inline(__always)
    func valueId(_ row: Int, path: UInt32) -> UInt32? {
        let range = pairs(row)
        var i = range.lowerBound
        let end = range.upperBound
        while i &+ 1 < end {
            if pool[i] == path { return pool[i &+ 1] }  // trap-ok: i + 1 < end ≤ pool.count
            i &+= 2
        }
        return nil
    }

    /// An event as conditions see it: its name, time, and the registered
    /// paths it has, rebuilt into `properties` and `context`.
    public func subjectEvent(row: Int) -> SubjectEvent? {
        guard row >= 0, row < eventTime.count else { return nil }
        let name = names.items[Int(eventName[row])]  // trap-ok: row < count; name ids come from names
        var properties = JSONValue.object([:])
        var context = JSONValue.object([:])
        var i = row == 0 ? 0 : Int(pairsEnd[row - 1])  // trap-ok: 0 < row < count
        let end = Int(pairsEnd[row])  // trap-ok: row < count
        while i + 1 < end {
            let path = pathTable.items[Int(pool[i])]  // trap-ok: path ids come from the path table
            let v = values[Int(pool[i])].items[Int(pool[i + 1])]  // trap-ok: value ids come from their path's values
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
    public func events(of members: [ProfileID], named name: String?) -> [SubjectEvent] {
        let nameId: UInt32?
        if let name {
            guard let id = names.existing(name) else { return [] }
            nameId = id
        } else {
            nameId = nil
        }
        return events(ofSlots: members.compactMap { profiles.existing($0) }, nameId: nameId)
    }

    /// The events of these slots with this name id (all when `nil`), oldest first; at one time in log order.
    func events(ofSlots slots: [Slot], nameId: UInt32?) -> [SubjectEvent] {
        rows(ofSlots: slots, nameId: nameId).compactMap { subjectEvent(row: Int($0)) }
    }

    /// The rows of these slots with this name id (all when `nil`), by (time, row).
    func rows(ofSlots slots: [Slot], nameId: UInt32?) -> [Row] {
        var rows: [Row] = []
        for s in slots where Int(s) < bySlot.count {
            for r in bySlot[Int(s)] where nameId.map({ eventName[Int(r)] == $0 }) ?? true {  // trap-ok: slots and rows come from the index
                rows.append(r)
            }
        }
        // By time; at one time in log order. One slot's rows are usually in time order already.
        if !rows.isSortedByTime(eventTime) {
            rows.sort { (eventTime[Int($0)], $0) < (eventTime[Int($1)], $1) }  // trap-ok: rows of the index
        }
        return rows
    }
}

extension [AudienceIndex.Row] {
    /// Whether the rows are in (time, row) order.
    func isSortedByTime(_ time: [Int64]) -> Bool {
        var previous: (Int64, AudienceIndex.Row)?
        for r in self {
            let key = (time[Int(r)], r)  // trap-ok: rows of the index
            if let previous, key < previous { return false }
            previous = key
        }
        return true
    }
}

/// Values numbered densely in the order they were first seen.
struct Interned<T: Hashable & Sendable>: Sendable {
    private(set) var items: [T] = []
    private var ids: [T: UInt32] = [:]

    /// The value's number, and whether it was new. Past 2^32 values numbers wrap (callers bound their counts first).
    mutating func id(_ v: T) -> (id: UInt32, isNew: Bool) {
        if let id = ids[v] { return (id, false) }
        let id = UInt32(truncatingIfNeeded: items.count)
        ids[v] = id
        items.append(v)
        return (id, true)
    }

    func existing(_ v: T) -> UInt32? { ids[v] }

    /// The items and the dictionary finding them (about twice its entries' size), in bytes.
    var approximateBytes: Int {
        items.capacity * MemoryLayout<T>.stride + ids.capacity * (MemoryLayout<T>.stride + 4) * 2
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
