import RapportCore

/// The live profiles of an audience by dense *position*, with what the
/// columnar evaluator reads of them: which index slots hold their events
/// (a profile and those merged into it), the attributes and tags the
/// definitions test, as columns.
///
/// The engine sets a profile each time it evaluates it (``set(_:index:)``),
/// so the table holds what was true at its last event; time alone changes
/// only event windows and relative times, which the evaluator works out.
struct ProfileTable: Sendable {
    typealias Slot = AudienceIndex.Slot
    static let none = UInt32.max

    /// The profile at each position (a removed one's stays until the position is reused).
    private(set) var ids: [ProfileID] = []
    /// The positions in use.
    private(set) var alive = Bits(count: 0)
    private var positionOf: [ProfileID: UInt32] = [:]
    private var free: [UInt32] = []
    /// Each position's slots, ascending.
    private(set) var slotsOf: [[Slot]] = []
    /// The position owning each slot's events, or ``none``.
    private(set) var ownerOfSlot: [UInt32] = []
    /// The slots whose owner changed since ``clearOwnerChanges()``; `nil`
    /// when there were too many to list (every owner must be read again).
    private(set) var ownerChanges: [Slot]? = []

    /// The attribute paths the definitions test, and for each a column of
    /// value ids + 1 by position (0: missing).
    private(set) var attributePaths: [[String]] = []
    private var attributeNumber: [[String]: Int] = [:]
    private(set) var attributeColumns: [[UInt32]] = []
    private(set) var attributeValues: [Interned<JSONValue>] = []
    /// Each attribute value read as a time (`Int64.min`: not one), by value id, parsed once.
    private(set) var attributeTimes: [[Int64]] = []
    /// The tags the definitions test, and who carries each.
    private(set) var tags: [String] = []
    private(set) var tagBits: [Bits] = []

    /// The number of positions (some may be free).
    var count: Int { ids.count }
    var liveCount: Int { positionOf.count }

    func position(of id: ProfileID) -> Int? { positionOf[id].map(Int.init) }

    /// The column number of an attribute path.
    func attributeColumn(_ path: [String]) -> Int? { attributeNumber[path] }

    /// Reads these attribute paths and tags from now on. Returns whether
    /// they changed: every profile must then be set again.
    mutating func configure(paths: [[String]], tags newTags: [String]) -> Bool {
        guard paths != attributePaths || newTags != tags else { return false }
        attributePaths = paths
        attributeNumber = Dictionary(paths.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        attributeColumns = paths.map { _ in Array(repeating: 0, count: ids.count) }
        attributeValues = paths.map { _ in Interned() }
        attributeTimes = paths.map { _ in [] }
        tags = newTags
        tagBits = newTags.map { _ in Bits(count: ids.count) }
        return true
    }

    /// Records a live profile's slots, attributes and tags; returns its position.
    @discardableResult
    mutating func set(_ p: AudienceProfile, index: AudienceIndex) -> Int {
        let pos: Int
        if let existing = positionOf[p.id] {
            pos = Int(existing)
        } else if let reused = free.popLast() {
            pos = Int(reused)
            ids[pos] = p.id  // trap-ok: a freed position
            positionOf[p.id] = reused
        } else {
            pos = ids.count
            ids.append(p.id)
            slotsOf.append([])
            for k in attributeColumns.indices { attributeColumns[k].append(0) }
            positionOf[p.id] = UInt32(truncatingIfNeeded: pos)
        }
        alive[pos] = true
        let slots = p.members.compactMap { index.slot(of: $0) }.sorted()
        if slots != slotsOf[pos] {  // trap-ok: pos < count
            for s in slotsOf[pos] where Int(s) < ownerOfSlot.count && ownerOfSlot[Int(s)] == UInt32(pos) {  // trap-ok: checked
                ownerOfSlot[Int(s)] = Self.none  // trap-ok: checked
                noteOwnerChange(s)
            }
            if let top = slots.last, Int(top) >= ownerOfSlot.count {
                ownerOfSlot.append(contentsOf: repeatElement(Self.none, count: Int(top) + 1 - ownerOfSlot.count))
            }
            for s in slots where ownerOfSlot[Int(s)] != UInt32(pos) {  // trap-ok: grown above
                ownerOfSlot[Int(s)] = UInt32(pos)  // trap-ok: as above
                noteOwnerChange(s)
            }
            slotsOf[pos] = slots  // trap-ok: pos < count
        }
        for (k, path) in attributePaths.enumerated() {
            var id: UInt32 = 0
            if let v = p.value(at: path) {
                let (n, new) = attributeValues[k].id(v)  // trap-ok: one table per path
                if new {
                    let t: Int64? = if case .string(let s) = v { ConditionParser.absoluteTime(s) } else { nil }
                    attributeTimes[k].append(t ?? .min)  // trap-ok: one list per path
                }
                id = n &+ 1
            }
            attributeColumns[k][pos] = id  // trap-ok: columns are count long
        }
        for (k, tag) in tags.enumerated() { tagBits[k][pos] = p.tags.contains(tag) }  // trap-ok: one per tag
        return pos
    }

    /// Forgets a profile that is no longer live; returns the position it had.
    @discardableResult
    mutating func remove(_ id: ProfileID) -> Int? {
        guard let p = positionOf.removeValue(forKey: id) else { return nil }
        let pos = Int(p)
        alive[pos] = false
        for s in slotsOf[pos] where Int(s) < ownerOfSlot.count && ownerOfSlot[Int(s)] == p {  // trap-ok: pos < count; checked
            ownerOfSlot[Int(s)] = Self.none  // trap-ok: checked
            noteOwnerChange(s)
        }
        slotsOf[pos] = []  // trap-ok: pos < count
        for k in attributeColumns.indices { attributeColumns[k][pos] = 0 }  // trap-ok: columns are count long
        for k in tagBits.indices { tagBits[k][pos] = false }  // trap-ok: one per tag
        free.append(p)
        return pos
    }

    /// Past this many listed changes, owners are read again from scratch.
    static let ownerChangesListed = 1 << 16

    private mutating func noteOwnerChange(_ slot: Slot) {
        guard ownerChanges != nil else { return }
        if ownerChanges?.count ?? 0 >= Self.ownerChangesListed { ownerChanges = nil } else { ownerChanges?.append(slot) }
    }

    /// Starts listing owner changes afresh (those listed were taken into account).
    mutating func clearOwnerChanges() { ownerChanges = [] }

    /// The owner position of a slot, or ``none``.
    @inline(__always)
    func owner(_ slot: Slot) -> UInt32 {
        Int(slot) < ownerOfSlot.count ? ownerOfSlot[Int(slot)] : Self.none  // trap-ok: checked
    }
}

extension AudienceProfile {
    /// A derived attribute, `traits.X`, or a trait (computed traits aside).
    func value(at path: [String]) -> JSONValue? {
        guard let head = path.first else { return nil }
        let rest = path.dropFirst()
        if let v = attributes[head] { return SubjectEvent.lookup(v, rest) }
        if head == "traits", let key = rest.first {
            return traits[key].flatMap { SubjectEvent.lookup($0, rest.dropFirst()) }
        }
        return traits[head].flatMap { SubjectEvent.lookup($0, rest) }
    }
}

extension Condition {
    /// The profile attribute paths the condition tests (event `where`s aside).
    var attributePathsReferred: Set<[String]> {
        var out: Set<[String]> = []
        func walk(_ c: Condition) {
            switch c {
            case .all(let cs), .any(let cs): cs.forEach(walk)
            case .not(let inner): walk(inner)
            case .attribute(let path, _): out.insert(path)
            default: break
            }
        }
        walk(self)
        return out
    }
}
