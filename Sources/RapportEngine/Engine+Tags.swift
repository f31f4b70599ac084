import Foundation
import RapportAudience
import RapportCore
import RapportIngest
import RapportStore

/// Tags: labels on profiles, in groups, set by hand (API, console, CSV) or
/// kept current by a rule (a condition). Setting one by hand writes a `Tag
/// Added` or `Tag Removed` event to the log (``TagEvent``), so tags survive
/// restarts, follow merges and can be explained from the timeline.
extension Engine {
    /// The usual dimensions operators tag along; any other group name is accepted too.
    public static let defaultTagGroups = [
        "member_level", "loyalty", "activity", "acquisition", "lifecycle", "referral", "natural", "behaviour",
    ]

    /// A workspace's tags with how many live profiles carry each.
    public func tags(workspaceId: WorkspaceID) async throws -> [(record: DefinitionRecord, size: Int)] {
        var out: [(DefinitionRecord, Int)] = []
        for r in try await store.definitions(workspaceId: workspaceId, kind: .tag) {
            out.append((r, await tagMembers(workspaceId: workspaceId, tag: r.name).count))
        }
        return out
    }

    /// The tag's definition, or `.notFound`.
    public func tag(_ name: String, workspaceId: WorkspaceID) async throws -> DefinitionRecord {
        guard let r = try await store.definitions(workspaceId: workspaceId, kind: .tag).first(where: { $0.name == name })
        else { throw RapportError(.notFound, "no tag \"\(name)\"; define it first (PUT /v1/tags/\(name))") }
        return r
    }

    /// Live profiles carrying a tag, by hand or by its rule, ascending.
    public func tagMembers(workspaceId: WorkspaceID, tag: String) async -> [ProfileID] {
        var members = Set(await projector.manualTagHolders(workspaceId: workspaceId, tag: tag))
        if let ruled = await projector.segmentMembers(workspaceId: workspaceId, segment: TagRules.segmentName(tag)) {
            members.formUnion(ruled)
        }
        return members.sorted()
    }

    /// What setting or taking off a tag did.
    public struct TagChange: Sendable, Equatable {
        /// Profiles whose tag changed.
        public var changed: Int = 0
        /// Profiles that already were as asked.
        public var unchanged: Int = 0
        /// What named no profile: profile ids, identifiers, CSV lines with the reason.
        public var notFound: [String] = []
    }

    /// Sets a tag on profiles by hand (`added`), or takes it off. Each profile
    /// is a live one or one merged into a live one; the change is in the log
    /// and applied when this returns.
    public func setTag(_ tag: String, on profiles: [ProfileID], added: Bool, workspaceId: WorkspaceID,
                       by actor: String) async throws -> TagChange {
        _ = try await self.tag(tag, workspaceId: workspaceId)
        var result = TagChange()
        var targets: [ProfileID] = []
        var seen: Set<ProfileID> = []
        for p in profiles {
            guard let view = await projector.profile(p, workspaceId: workspaceId) else {
                result.notFound.append("profile \(p.rawValue)")
                continue
            }
            guard seen.insert(view.id).inserted else { continue }
            let has = view.aggregates.tags[tag] != nil
            if has == added { result.unchanged += 1 } else { targets.append(view.id) }
        }
        try await writeTagEvents(tag, profiles: targets, added: added, workspaceId: workspaceId, by: actor)
        result.changed = targets.count
        return result
    }

    /// Sets (or takes off) a tag on the profiles a CSV names: a header line,
    /// then one profile per line, by the first non-empty column among
    /// `profile_id`, `identifier` (`kind:value`), `user_id`, `email`, `phone`,
    /// `wechat_unionid`, `wechat_openid`, `anonymous_id`. Lines naming no
    /// known profile are reported, not fatal.
    public func setTag(_ tag: String, csv bytes: [UInt8], added: Bool, workspaceId: WorkspaceID,
                       by actor: String) async throws -> TagChange {
        _ = try await self.tag(tag, workspaceId: workspaceId)
        let (profiles, notFound) = try await profiles(inCSV: bytes, workspaceId: workspaceId)
        var result = try await setTag(tag, on: profiles, added: added, workspaceId: workspaceId, by: actor)
        result.notFound = notFound + result.notFound
        return result
    }

    /// The live profiles a CSV names, and the lines that name none.
    func profiles(inCSV bytes: [UInt8], workspaceId: WorkspaceID) async throws
        -> (profiles: [ProfileID], notFound: [String])
    {
        var records: [CSVReader.Record] = []
        var reader = CSVReader()
        reader.feed(bytes) { records.append($0) }
        reader.finish { records.append($0) }
        guard case .fields(let header, _)? = records.first else {
            throw RapportError(.invalidArgument, "the CSV is empty: give a header line, then one profile per line")
        }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = ["profile_id", "identifier", "user_id", "email", "phone", "wechat_unionid", "wechat_openid",
                     "anonymous_id"]
        guard columns.contains(where: known.contains) else {
            throw RapportError(.invalidArgument, "the CSV header names none of \(known.joined(separator: ", "))")
        }
        guard records.count <= 1_000_001 else {
            throw RapportError(.invalidArgument, "at most 1,000,000 lines per upload")
        }
        var profiles: [ProfileID] = []
        var notFound: [String] = []
        for record in records.dropFirst() {
            switch record {
            case .error(let e, let line):
                notFound.append("line \(line): \(e.message)")
            case .fields(let fields, let line):
                if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
                if let p = await profile(named: fields, columns: columns, workspaceId: workspaceId) {
                    profiles.append(p)
                } else {
                    notFound.append("line \(line): no profile with these identifiers")
                }
            }
        }
        return (profiles, notFound)
    }

    /// The live profile a CSV line names by its first usable column.
    func profile(named fields: [String], columns: [String], workspaceId: WorkspaceID) async -> ProfileID? {
        for (i, column) in columns.enumerated() where i < fields.count {
            let value = fields[i].trimmingCharacters(in: .whitespaces)  // trap-ok: i < fields.count
            if value.isEmpty { continue }
            let identifier: Identifier?
            switch column {
            case "profile_id":
                guard let raw = Int64(value), raw > 0 else { return nil }
                return await projector.profile(ProfileID(raw), workspaceId: workspaceId)?.id
            case "identifier": identifier = Identifier(parsing: value)
            case "user_id", "email", "phone", "wechat_unionid", "wechat_openid", "anonymous_id":
                identifier = Identifier(kind: column, value: value)
            default: continue
            }
            guard let identifier else { return nil }
            return await projector.profileId(for: normalize(identifier), workspaceId: workspaceId)
        }
        return nil
    }

    /// Appends tag events for these profiles and applies them.
    func writeTagEvents(_ tag: String, profiles: [ProfileID], added: Bool, workspaceId: WorkspaceID,
                        by actor: String) async throws {
        if profiles.isEmpty { return }
        let now = clock.nowMillis()
        var events: [EventToAppend] = []
        events.reserveCapacity(profiles.count)
        for p in profiles {
            guard let m = TagEvent.message(tag: tag, profile: p, added: added, by: actor, at: now, decoder: decoder) else {
                throw RapportError(.invalidArgument, "the tag \"\(tag)\" cannot be written as an event")
            }
            events.append(EventToAppend(workspaceId: workspaceId, sourceId: RapportSource.id, message: m))
        }
        for chunk in stride(from: 0, to: events.count, by: 10_000) {
            let part = Array(events[chunk..<min(chunk + 10_000, events.count)])  // trap-ok: bounds from stride
            let positions = try await store.append(part)
            try await projector.apply(ProjectableEvent.stored(part, positions: positions))
        }
    }
}

/// Static segments: a list uploaded from a CSV rather than a condition.
extension Engine {
    /// The tag that holds a static segment's list.
    public static func listTag(ofSegment name: String) -> String { "list:" + name }

    /// Makes `name` a static segment of the profiles a CSV names (as
    /// ``setTag(_:csv:added:workspaceId:by:)`` reads it): the list is the tag
    /// `list:<name>` (group `static_list`) and the segment is `has tag
    /// "list:<name>"`, so it is kept, exported and announced like any other.
    /// Uploading again adds to the list; with `replace`, profiles not in the
    /// new file leave it.
    public func uploadStaticSegment(_ name: String, csv bytes: [UInt8], replace: Bool, workspaceId: WorkspaceID,
                                    by actor: String) async throws -> TagChange {
        try Self.checkName(name, "segment")
        try await checkStaticSegment(name, workspaceId: workspaceId)
        let (listed, notFound) = try await profiles(inCSV: bytes, workspaceId: workspaceId)
        var result = try await saveStaticSegment(name, profiles: listed, replace: replace, workspaceId: workspaceId, by: actor)
        result.notFound = notFound + result.notFound
        return result
    }

    /// A static segment of these profiles (live ones, or merged into live ones): they join its list, and with
    /// `replace` the others leave it. Made when there is none; refused when the name is a segment with a condition.
    public func saveStaticSegment(_ name: String, profiles listed: [ProfileID], replace: Bool, workspaceId: WorkspaceID,
                                  by actor: String) async throws -> TagChange {
        try Self.checkName(name, "segment")
        try await checkStaticSegment(name, workspaceId: workspaceId)
        let tag = Self.listTag(ofSegment: name)
        let existing = try await store.definitions(workspaceId: workspaceId, kind: .segment).first { $0.name == name }
        if try await store.definitions(workspaceId: workspaceId, kind: .tag).first(where: { $0.name == tag }) == nil {
            try await saveDefinition(workspaceId: workspaceId, kind: .tag, name: tag, body: "",
                                     description: "the list of static segment \(name)", group: "static_list")
        }
        var result = try await setTag(tag, on: listed, added: true, workspaceId: workspaceId, by: actor)
        if replace {
            let keep = Set(listed)
            let leaving = await projector.manualTagHolders(workspaceId: workspaceId, tag: tag).filter { !keep.contains($0) }
            try await writeTagEvents(tag, profiles: leaving, added: false, workspaceId: workspaceId, by: actor)
            result.changed += leaving.count
        }
        if existing == nil {
            try await saveDefinition(workspaceId: workspaceId, kind: .segment, name: name, body: Condition.tag(tag).description,
                                     description: "uploaded list")
        }
        return result
    }

    /// Refuses a name that is a segment defined by a condition.
    func checkStaticSegment(_ name: String, workspaceId: WorkspaceID) async throws {
        let condition = Condition.tag(Self.listTag(ofSegment: name)).description
        if let existing = try await store.definitions(workspaceId: workspaceId, kind: .segment).first(where: { $0.name == name }),
           existing.body != condition {
            throw RapportError(.conflict, "segment \"\(name)\" is defined by a condition; a list cannot replace it")
        }
    }
}
