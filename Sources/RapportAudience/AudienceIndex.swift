import RapportCore

/// The events of one workspace in columns, for conditions and computed traits.
///
/// Events are kept per event name, in a ``NameTable`` of columns: each
/// event's row number, time and *slot* (the dense number of the profile it
/// landed on), and for every registered event path (``register(_:)``) the
/// event's value, interned per path. A condition's figure reads only the
/// table of its event name, front to back; the columns one test needs lie
/// together in memory. Rows are numbered in log order across all names, so
/// a row number orders events as their log positions do; each slot lists its
/// rows for the per-profile evaluator.
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

    /// Each row's name id and its place (ordinal) in that name's table.
    private(set) var rowName: [UInt32] = []
    private(set) var rowOrdinal: [UInt32] = []
    /// Each name's events, by name id.
    private(set) var tables: [NameTable] = []
    /// Each slot's rows, ascending.
    private(set) var bySlot: [[Row]] = []

    /// Paths registered since the index was built: older events lack them.
    public private(set) var needsRebuild = false
    /// Rows refused because the index is full (4 billion events).
    public private(set) var refused = 0

    /// A number of its own (copies share it), for what is worked out over the index and kept (``OwnerColumns``).
    let generation = IndexGenerations.next()

    public init(paths: Set<EventPath> = []) {
        register(paths)
    }

    /// The paths kept, in the order they were registered.
    public var paths: [EventPath] { pathTable.items }

    /// The number of events indexed.
    public var count: Int { rowName.count }

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
    /// objects (only read when paths are registered); `source`, the source it
    /// came in through (kept when ``EventPath/source`` is registered).
    public mutating func append(profile: ProfileID, name: String, time: Int64,
                                properties: JSONValue?, context: JSONValue?, source: SourceID? = nil) {
        guard rowName.count < Int(Row.max) else {
            refused += 1
            return
        }
        let row = Row(truncatingIfNeeded: rowName.count)
        let (slot, newSlot) = profiles.id(profile)
        if newSlot { bySlot.append([]) }
        let (nameId, newName) = names.id(name)
        if newName { tables.append(NameTable()) }
        let n = Int(nameId)
        rowName.append(nameId)
        rowOrdinal.append(UInt32(truncatingIfNeeded: tables[n].count))  // trap-ok: one table per name id
        var found: [(Int, UInt32)] = []
        for (pathId, path) in pathTable.items.enumerated() {
            guard let v = path.value(properties: properties, context: context, source: source) else { continue }
            found.append((pathId, values[pathId].id(v).id &+ 1))  // trap-ok: one value table per path
        }
        tables[n].append(row: row, time: time, slot: slot, values: found)  // trap-ok: as above
        bySlot[Int(slot)].append(row)  // trap-ok: slot < profiles.count = bySlot.count
    }

    /// An estimate of the memory the index holds, in bytes: its columns and
    /// row lists at their capacities, and the interned values.
    public var approximateBytes: Int {
        var total = rowName.capacity * 4 + rowOrdinal.capacity * 4 + tables.reduce(0) { $0 + $1.approximateBytes }
        // An array's header is 32 bytes.
        total += bySlot.capacity * 8 + bySlot.reduce(0) { $0 + (($1.capacity > 0) ? 32 + $1.capacity * 4 : 0) }
        total += profiles.approximateBytes + names.approximateBytes + values.reduce(0) { $0 + $1.approximateBytes }
        return total
    }

    /// The slot of a profile that has events here.
    public func slot(of profile: ProfileID) -> Slot? { profiles.existing(profile) }

    /// The number of a registered path.
    func pathId(_ path: EventPath) -> Int? { pathTable.existing(path).map(Int.init) }

    /// A row's time (rows of the index only).
    @inline(__always)
    func time(_ row: Int) -> Int64 {
        tables[Int(rowName[row])].times[Int(rowOrdinal[row])]  // trap-ok: rows of the index; ordinals index their table
    }

    /// The value id + 1 a row has for a path (0: none).
    @inline(__always)
    func valueId(_ row: Int, path: Int) -> UInt32 {
        tables[Int(rowName[row])].value(Int(rowOrdinal[row]), path: path)  // trap-ok: as above
    }

    /// An event as conditions see it: its name, time, and the registered
    /// paths it has, rebuilt into `properties` and `context`.
    public func subjectEvent(row: Int) -> SubjectEvent? {
        guard row >= 0, row < rowName.count else { return nil }
        let nameId = Int(rowName[row])  // trap-ok: checked
        let k = Int(rowOrdinal[row])  // trap-ok: checked
        guard nameId < tables.count, nameId < names.items.count, k < tables[nameId].count else { return nil }  // trap-ok: checked
        let table = tables[nameId]  // trap-ok: checked
        var properties = JSONValue.object([:])
        var context = JSONValue.object([:])
        for (p, path) in pathTable.items.enumerated() {
            let id = Int(table.value(k, path: p))
            guard id > 0, p < values.count, id <= values[p].items.count else { continue }  // trap-ok: checked
            let v = values[p].items[id - 1]  // trap-ok: checked
            switch path {
            case .properties(let p): properties.set(v, at: p[...])
            case .context(let p): context.set(v, at: p[...])
            case .name, .source: break
            }
        }
        return SubjectEvent(name: names.items[nameId], time: table.times[k], properties: properties, context: context)  // trap-ok: checked
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
            for r in bySlot[Int(s)] where nameId.map({ rowName[Int(r)] == $0 }) ?? true {  // trap-ok: slots and rows come from the index
                rows.append(r)
            }
        }
        // By time; at one time in log order. One slot's rows are usually in time order already.
        if !isSortedByTime(rows) {
            rows.sort { (time(Int($0)), $0) < (time(Int($1)), $1) }
        }
        return rows
    }

    /// Whether rows are in (time, row) order.
    func isSortedByTime(_ rows: [Row]) -> Bool {
        var previous: (Int64, Row)?
        for r in rows {
            let key = (time(Int(r)), r)
            if let previous, key < previous { return false }
            previous = key
        }
        return true
    }
}

/// The events of one name, as columns by *ordinal* (their order within the
/// name, which is log order).
struct NameTable: Sendable {
    /// Ordinals are read in blocks of this many for the window skip.
    static let blockSize = 1024

    private(set) var rows: [AudienceIndex.Row] = []
    private(set) var times: [Int64] = []
    private(set) var slots: [AudienceIndex.Slot] = []
    /// Per path id: each ordinal's value id + 1 (0: missing). Empty for a
    /// path no event of this name had; otherwise as long as ``rows``.
    private(set) var columns: [[UInt32]] = []
    /// The latest time among ordinals `0 ..< (b + 1) * blockSize`, per block `b`.
    private(set) var blockMax: [Int64] = []
    /// Whether the times never went back (ordinal order is time order).
    private(set) var timeOrdered = true

    var count: Int { rows.count }

    mutating func append(row: AudienceIndex.Row, time: Int64, slot: AudienceIndex.Slot, values: [(Int, UInt32)]) {
        let k = rows.count
        if let last = times.last, time < last { timeOrdered = false }
        rows.append(row)
        times.append(time)
        slots.append(slot)
        if k % Self.blockSize == 0 {
            blockMax.append(max(blockMax.last ?? .min, time))
        } else if let b = blockMax.indices.last, time > blockMax[b] {  // trap-ok: last index
            blockMax[b] = time  // trap-ok: as above
        }
        for (p, id) in values {
            if p >= columns.count { columns.append(contentsOf: repeatElement([], count: p - columns.count + 1)) }
            if columns[p].isEmpty { columns[p] = Array(repeating: 0, count: k) }  // trap-ok: grown above
            columns[p].append(id)  // trap-ok: as above
        }
        // Every other column seen before has nothing here (an empty one was never seen).
        for p in columns.indices where k > 0 && columns[p].count == k { columns[p].append(0) }  // trap-ok: indices
    }

    /// The value id + 1 at an ordinal for a path (0: missing).
    @inline(__always)
    func value(_ k: Int, path p: Int) -> UInt32 {
        guard p < columns.count, k < columns[p].count else { return 0 }  // trap-ok: checked
        return columns[p][k]  // trap-ok: checked
    }

    /// The first ordinal that may hold a time at or after `t`: every one before is earlier.
    func firstOrdinal(notBefore t: Int64) -> Int {
        var lo = 0, hi = blockMax.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if blockMax[mid] < t { lo = mid + 1 } else { hi = mid }  // trap-ok: lo ≤ mid < hi ≤ count
        }
        return min(lo * Self.blockSize, rows.count)
    }

    var approximateBytes: Int {
        rows.capacity * 4 + times.capacity * 8 + slots.capacity * 4 + blockMax.capacity * 8
            + columns.reduce(0) { $0 + 32 + $1.capacity * 4 }
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
