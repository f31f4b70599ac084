import Foundation
import RapportAudience
import RapportCore
import RapportIngest
import RapportStore

/// Rapport's own events in the log (source ``RapportSource/id``): segment
/// entries and exits, tags set and taken off by hand. Each names its profile
/// in `anonymousId` (`rapport:profile:<id>`) and lands there without
/// identity resolution.
enum OwnEvent {
    static let profilePrefix = "rapport:profile:"

    /// The profile an own event names, if it names one.
    static func profile(of m: Message) -> ProfileID? {
        guard let a = m.anonymousId, a.hasPrefix(profilePrefix),
              let raw = Int64(a.dropFirst(profilePrefix.count)), raw > 0 else { return nil }
        return ProfileID(raw)
    }

    /// A track message of Rapport's own, decoded as a logged one would be.
    static func message(event: String, messageId: String, profile: ProfileID,
                        properties: [String: JSONValue], at time: Int64, decoder: MessageDecoder) -> Message? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out += Array(#"{"type":"track","event":"#.utf8)
        JSONValue.writeString(event, to: &out)
        out += Array(#","messageId":"#.utf8)
        JSONValue.writeString(messageId, to: &out)
        out += Array(#","anonymousId":"#.utf8)
        JSONValue.writeString("\(profilePrefix)\(profile.rawValue)", to: &out)
        out += Array(#","timestamp":"#.utf8)
        JSONValue.writeString(Timestamp.formatISO8601(time), to: &out)
        out += Array(#","properties":"#.utf8)
        JSONValue.object(properties).write(to: &out)
        out.append(UInt8(ascii: "}"))
        return try? decoder.decodeMessage(out, type: .track, receivedAt: time)
    }
}

/// `Merge Undone`: an operator split a merged profile off again. It names
/// the merged-away profile and carries the merge's id; every process
/// applies it where it stands in the log. Its message id is derived from the
/// merge, so a repeated request is one event.
public enum MergeUndoneEvent {
    public static let name = "Merge Undone"

    static func message(merge m: MergeRecord, by actor: String, at time: Int64, decoder: MessageDecoder) -> Message? {
        OwnEvent.message(
            event: name, messageId: "rapport-unmerge-\(m.workspaceId)-\(m.id)", profile: m.from,
            properties: ["merge_id": .number(Double(m.id)), "into_profile_id": .number(Double(m.into.rawValue)),
                         "identifier": .string(m.identifier), "by": .string(actor)],
            at: time, decoder: decoder)
    }

    /// The merge and who undid it, for a `Merge Undone` event; `nil` for any other event.
    static func undo(of m: Message) -> (mergeId: Int64, by: String)? {
        guard m.type == .track, m.event == name, case .object(let p)? = EventBody.propertiesAndContext(m).0,
              let id = p["merge_id"]?.doubleValue, let mergeId = Int64(exactly: id) else { return nil }
        return (mergeId, p["by"]?.stringValue ?? "")
    }
}

/// `Tag Added` and `Tag Removed`: a tag set on a profile by hand (API,
/// console, CSV upload), or taken off it.
public enum TagEvent {
    public static let added = "Tag Added"
    public static let removed = "Tag Removed"

    static func message(tag: String, profile: ProfileID, added: Bool, by actor: String, at time: Int64,
                        decoder: MessageDecoder) -> Message? {
        OwnEvent.message(
            event: added ? Self.added : Self.removed, messageId: "rapport-tag-\(UUID().uuidString.lowercased())",
            profile: profile,
            properties: ["tag": .string(tag), "profile_id": .number(Double(profile.rawValue)), "by": .string(actor)],
            at: time, decoder: decoder)
    }

    /// The tag and whether it was added, for a tag event; `nil` for any other event.
    static func change(of m: Message) -> (tag: String, added: Bool)? {
        guard m.type == .track, let name = m.event, name == added || name == removed,
              case .object(let p)? = EventBody.propertiesAndContext(m).0, case .string(let tag)? = p["tag"] else { return nil }
        return (tag, name == added)
    }
}

/// Rapport's own events: `Segment Entered` and `Segment Exited`, written to
/// the log under the source ``RapportSource/id`` when a profile's membership
/// changes.
///
/// They land on the profile named by their `anonymousId`
/// (`rapport:profile:<id>`) without identity resolution, show on its
/// timeline, and change neither its aggregates (`last_seen`, event counts)
/// nor its traits. Conditions do not read them: a segment defined on its own
/// entries would otherwise enter and leave for ever.
public enum SegmentEvent {
    public static let entered = "Segment Entered"
    public static let exited = "Segment Exited"

    /// The message for a transition. Its `messageId` is a function of the
    /// workspace, segment, profile and transition number, so a transition
    /// written twice (two processes around a lease hand-over) is stored once.
    static func message(workspaceId: WorkspaceID, segment: String, profile: ProfileID, entered: Bool,
                        transition: UInt32, at time: Int64, decoder: MessageDecoder) -> Message? {
        let segmentHash = Array(segment.utf8).withUnsafeBytes { XXH64.hash($0, seed: UInt64(bitPattern: workspaceId)) }
        return OwnEvent.message(
            event: entered ? Self.entered : Self.exited,
            messageId: "rapport-segment-\(String(segmentHash, radix: 16))-\(profile.rawValue)-\(transition)",
            profile: profile,
            properties: ["segment": .string(segment), "profile_id": .number(Double(profile.rawValue)),
                         "transition": .number(Double(transition))],
            at: time, decoder: decoder)
    }

    /// The segment, entry or exit and transition number of an internal event; `nil` for any other event.
    static func transition(of m: Message) -> (segment: String, entered: Bool, transition: UInt32)? {
        guard m.type == .track, let name = m.event, name == entered || name == exited else { return nil }
        guard case .object(let p)? = EventBody.propertiesAndContext(m).0,
              case .string(let segment)? = p["segment"], case .number(let n)? = p["transition"],
              n >= 1, n <= Double(UInt32.max), n == n.rounded() else { return nil }
        return (segment, name == entered, UInt32(n))
    }
}

/// What the log has said about each profile's segments: per (segment,
/// profile), how many transitions were announced and whether the last was
/// an entry. Rebuilt from the log's segment events after a load, so a
/// restart announces only what changed since.
struct SegmentAnnouncements {
    struct State: Equatable {
        var transitions: UInt32
        var inside: Bool
    }

    var bySegment: [String: [ProfileID: State]] = [:]

    /// Notes a membership; the transition number to announce, or `nil` if
    /// the log already says so.
    mutating func announce(segment: String, profile: ProfileID, entered: Bool) -> UInt32? {
        var states = bySegment.removeValue(forKey: segment) ?? [:]
        defer { bySegment[segment] = states }
        var s = states[profile] ?? State(transitions: 0, inside: false)
        guard s.inside != entered, s.transitions < .max else { return nil }
        s.transitions += 1
        s.inside = entered
        states[profile] = s
        return s.transitions
    }

    /// Takes a transition read from the log, unless a later one is known.
    mutating func adopt(segment: String, profile: ProfileID, entered: Bool, transition: UInt32) {
        let known = bySegment[segment]?[profile]?.transitions ?? 0
        guard transition > known else { return }
        bySegment[segment, default: [:]][profile] = State(transitions: transition, inside: entered)
    }

    /// The profiles announced inside a segment, ascending.
    func inside(_ segment: String) -> [ProfileID] {
        (bySegment[segment] ?? [:]).compactMap { $0.value.inside ? $0.key : nil }.sorted()
    }

    /// Segments with a profile announced inside.
    var segmentsWithMembers: [String] {
        bySegment.compactMap { $0.value.values.contains { $0.inside } ? $0.key : nil }.sorted()
    }
}

/// A segment's entries and exits per hour, from its segment events: its
/// size over time is their running total.
public struct SegmentHistory: Sendable {
    /// Entries and exits in the hour starting at the key (ms since 1970).
    var byHour: [Int64: (entered: Int, exited: Int)] = [:]

    mutating func count(entered: Bool, at time: Int64) {
        let hour = Self.floor(time, 3_600_000)
        var c = byHour[hour] ?? (0, 0)
        if entered { c.entered += 1 } else { c.exited += 1 }
        byHour[hour] = c
    }

    static func floor(_ t: Int64, _ unit: Int64) -> Int64 {
        let (q, r) = t.quotientAndRemainder(dividingBy: unit)
        return (r < 0 ? q - 1 : q) * unit
    }

    /// One bucket of the history.
    public struct Point: Sendable, Equatable {
        /// The bucket's start, ms since 1970.
        public var at: Int64
        /// Members at the bucket's end.
        public var size: Int
        public var entered: Int
        public var exited: Int
    }

    /// Buckets of `unit` ms from `from` up to `to` (every bucket, changes or not; at most 10,000).
    public func points(from: Int64, to: Int64, unit: Int64) -> [Point] {
        guard unit > 0, to >= from else { return [] }
        let start = Self.floor(from, unit)
        var size = 0
        var perBucket: [Int64: (Int, Int)] = [:]
        for (hour, c) in byHour {
            if hour < start {
                size += c.entered - c.exited
            } else if hour <= to {
                let b = Self.floor(hour, unit)
                let old = perBucket[b] ?? (0, 0)
                perBucket[b] = (old.0 + c.entered, old.1 + c.exited)
            }
        }
        var out: [Point] = []
        var t = start
        while t <= to, out.count < 10_000 {
            let (e, x) = perBucket[t] ?? (0, 0)
            size += e - x
            out.append(Point(at: t, size: size, entered: e, exited: x))
            t += unit
        }
        return out
    }
}

/// `Lifecycle Stage Changed` and `Churn Warning`: a profile moved from one
/// lifecycle stage to another (or to none), and it entered the model's
/// warning stage (at risk).
///
/// Like segment events, they are numbered per profile (`transition`) and
/// their `messageId` is derived from that number, so a restart announces
/// only what changed while it was down and a transition is stored once.
public enum LifecycleEvent {
    public static let changed = "Lifecycle Stage Changed"
    public static let churnWarning = "Churn Warning"

    static func messageIdPrefix(_ kind: String, workspaceId: WorkspaceID) -> String {
        "rapport-\(kind)-\(String(UInt64(bitPattern: workspaceId), radix: 16))"
    }

    /// The change of stage; `stage` and `previous_stage` are `null` for no stage.
    static func message(workspaceId: WorkspaceID, profile: ProfileID, from: String?, to: String?, reason: String,
                        transition: UInt32, at time: Int64, decoder: MessageDecoder) -> Message? {
        OwnEvent.message(
            event: changed,
            messageId: "\(messageIdPrefix("stage", workspaceId: workspaceId))-\(profile.rawValue)-\(transition)",
            profile: profile,
            properties: ["stage": to.map(JSONValue.string) ?? .null, "previous_stage": from.map(JSONValue.string) ?? .null,
                         "reason": .string(reason), "profile_id": .number(Double(profile.rawValue)),
                         "transition": .number(Double(transition))],
            at: time, decoder: decoder)
    }

    /// The warning that goes with the change of stage numbered `transition`.
    static func warning(workspaceId: WorkspaceID, profile: ProfileID, from: String?, to: String, reason: String,
                        transition: UInt32, at time: Int64, decoder: MessageDecoder) -> Message? {
        OwnEvent.message(
            event: churnWarning,
            messageId: "\(messageIdPrefix("churn-warning", workspaceId: workspaceId))-\(profile.rawValue)-\(transition)",
            profile: profile,
            properties: ["stage": .string(to), "previous_stage": from.map(JSONValue.string) ?? .null,
                         "reason": .string(reason), "profile_id": .number(Double(profile.rawValue))],
            at: time, decoder: decoder)
    }

    /// The stages and transition number of a `Lifecycle Stage Changed` event; `nil` for any other event.
    static func transition(of m: Message) -> (from: String?, to: String?, transition: UInt32)? {
        guard m.type == .track, m.event == changed,
              case .object(let p)? = EventBody.propertiesAndContext(m).0, case .number(let n)? = p["transition"],
              n >= 1, n <= Double(UInt32.max), n == n.rounded() else { return nil }
        func stage(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        return (stage(p["previous_stage"]), stage(p["stage"]), UInt32(n))
    }
}

/// What the log has said about each profile's lifecycle stage: the number
/// of changes announced, the stage and since when. Rebuilt from the log's
/// `Lifecycle Stage Changed` events after a load.
struct StageAnnouncements {
    struct State: Equatable {
        var transitions: UInt32
        var stage: String?
        var since: Int64
    }

    var byProfile: [ProfileID: State] = [:]

    /// Notes a profile's stage; the transition number and the stage before,
    /// or `nil` if the log already says so.
    mutating func announce(profile: ProfileID, stage: String?, at time: Int64) -> (UInt32, String?)? {
        let s = byProfile[profile] ?? State(transitions: 0, stage: nil, since: time)
        guard s.stage != stage, s.transitions < .max else { return nil }
        byProfile[profile] = State(transitions: s.transitions + 1, stage: stage, since: time)
        return (s.transitions + 1, s.stage)
    }

    /// Takes a transition read from the log, unless a later one is known.
    mutating func adopt(profile: ProfileID, stage: String?, transition: UInt32, at time: Int64) {
        guard transition > byProfile[profile]?.transitions ?? 0 else { return }
        byProfile[profile] = State(transitions: transition, stage: stage, since: time)
    }

    /// Profiles announced in some stage.
    var staged: [ProfileID] { byProfile.compactMap { $0.value.stage == nil ? nil : $0.key } }
}

/// Moves between lifecycle stages per hour, from the log's
/// `Lifecycle Stage Changed` events: the flows of the lifecycle overview.
public struct StageFlows: Sendable {
    /// A move from one stage to another; `nil` is no stage.
    public struct Flow: Sendable, Hashable {
        public var from: String?
        public var to: String?
    }

    var byHour: [Int64: [Flow: Int]] = [:]

    mutating func count(from: String?, to: String?, at time: Int64) {
        byHour[SegmentHistory.floor(time, 3_600_000), default: [:]][Flow(from: from, to: to), default: 0] += 1
    }

    /// The moves in `[from, to]`, most frequent first (then by stage names).
    public func totals(from: Int64, to: Int64) -> [(flow: Flow, count: Int)] {
        var sums: [Flow: Int] = [:]
        for (hour, flows) in byHour where hour >= SegmentHistory.floor(from, 3_600_000) && hour <= to {
            for (f, n) in flows { sums[f, default: 0] += n }
        }
        return sums.map { ($0.key, $0.value) }.sorted {
            ($0.count, $1.flow.from ?? "", $1.flow.to ?? "") > ($1.count, $0.flow.from ?? "", $0.flow.to ?? "")
        }
    }
}
