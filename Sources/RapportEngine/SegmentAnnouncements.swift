import RapportAudience
import RapportCore
import RapportIngest
import RapportStore

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
    static let profilePrefix = "rapport:profile:"

    /// The profile an internal event names, if it names one.
    static func profile(of m: Message) -> ProfileID? {
        guard let a = m.anonymousId, a.hasPrefix(profilePrefix),
              let raw = Int64(a.dropFirst(profilePrefix.count)), raw > 0 else { return nil }
        return ProfileID(raw)
    }

    /// The message for a transition. Its `messageId` is a function of the
    /// workspace, segment, profile and transition number, so a transition
    /// written twice (two processes around a lease hand-over) is stored once.
    static func message(workspaceId: WorkspaceID, segment: String, profile: ProfileID, entered: Bool,
                        transition: UInt32, at time: Int64, decoder: MessageDecoder) -> Message? {
        let segmentHash = Array(segment.utf8).withUnsafeBytes { XXH64.hash($0, seed: UInt64(bitPattern: workspaceId)) }
        let hex = String(segmentHash, radix: 16)
        let messageId = "rapport-segment-\(hex)-\(profile.rawValue)-\(transition)"
        var out: [UInt8] = []
        out.reserveCapacity(256 + segment.utf8.count)
        out += Array(#"{"type":"track","event":"#.utf8)
        JSONValue.writeString(entered ? Self.entered : Self.exited, to: &out)
        out += Array(#","messageId":"#.utf8)
        JSONValue.writeString(messageId, to: &out)
        out += Array(#","anonymousId":"#.utf8)
        JSONValue.writeString("\(profilePrefix)\(profile.rawValue)", to: &out)
        out += Array(#","timestamp":"#.utf8)
        JSONValue.writeString(Timestamp.formatISO8601(time), to: &out)
        out += Array(#","properties":{"segment":"#.utf8)
        JSONValue.writeString(segment, to: &out)
        out += Array(#","profile_id":\#(profile.rawValue),"transition":\#(transition)}}"#.utf8)
        return try? decoder.decodeMessage(out, type: .track, receivedAt: time)
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
