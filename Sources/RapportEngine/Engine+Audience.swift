import Foundation
import RapportAudience
import RapportCore
import RapportStore

/// Segments and computed traits: the use cases the API and the CLI share.
extension Engine {
    /// A definition's name: 1–100 characters, no line breaks or control characters.
    static func checkName(_ name: String, _ what: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed == name, name.count <= 100,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw RapportError(.invalidArgument, "a \(what) name is 1 to 100 characters, without control characters "
                + "or spaces at either end")
        }
    }

    /// Checks and saves a segment or computed trait, then evaluates the
    /// workspace's definitions for every profile. A definition that does not
    /// parse, refers to a missing segment or makes a cycle is refused
    /// (``ConditionError``) and nothing changes.
    @discardableResult
    public func saveDefinition(workspaceId: WorkspaceID, kind: DefinitionKind, name: String, body: String,
                               description: String = "", group: String = "") async throws -> DefinitionRecord {
        try Self.checkName(name, kind.noun)
        guard description.utf8.count <= 4_096 else { throw RapportError(.invalidArgument, "a description is at most 4 KiB") }
        let canonical: String
        switch kind {
        case .segment: canonical = try Condition.parse(body).description
        case .trait: canonical = try ComputedTrait(name: name, text: body).expression.description
        case .tag:
            let rule = body.trimmingCharacters(in: .whitespacesAndNewlines)
            canonical = rule.isEmpty ? "" : try Condition.parse(rule).description
            try Self.checkName(group, "tag group")
        case .lifecycle:
            guard name == LifecycleModel.recordName else {
                throw RapportError(.invalidArgument, "a workspace has one lifecycle model, named \"\(LifecycleModel.recordName)\"")
            }
            canonical = try LifecycleModel(json: body).canonical().jsonText
        case .rfm:
            guard name == RFMModel.recordName else {
                throw RapportError(.invalidArgument, "a workspace has one RFM model, named \"\(RFMModel.recordName)\"")
            }
            let model = try RFMModel(json: body)
            if let problem = model.problem { throw RapportError(.invalidArgument, problem) }
            canonical = model.jsonText
        case .cluster:
            guard name == ClusterModel.recordName else {
                throw RapportError(.invalidArgument, "a workspace has one cluster model, named \"\(ClusterModel.recordName)\"")
            }
            let model = try ClusterModel(json: body)
            if let problem = model.problem { throw RapportError(.invalidArgument, problem) }
            guard model.fit != nil else { throw RapportError(.invalidArgument, "a cluster model is stored fitted") }
            canonical = model.jsonText
        }
        let now = clock.nowMillis()
        let existing = try await store.definitions(workspaceId: workspaceId, kind: kind).first { $0.name == name }
        let record = DefinitionRecord(workspaceId: workspaceId, kind: kind, name: name, body: canonical,
                                      description: description, group: kind == .tag ? group : "",
                                      createdAt: existing?.createdAt ?? now, updatedAt: now)
        let definitions = try await projector.parsedDefinitions(workspaceId: workspaceId, replacing: record)
        // Checked as a whole (references, cycles) before anything is stored.
        if let problem = Self.problem(segments: definitions.segments, traits: definitions.traits) { throw problem }
        try await store.saveDefinition(record)
        try await projector.define(workspaceId: workspaceId, definitions)
        return record
    }

    /// Deletes a definition; refused while another segment refers to it.
    public func deleteDefinition(workspaceId: WorkspaceID, kind: DefinitionKind, name: String) async throws {
        let definitions = try await projector.parsedDefinitions(workspaceId: workspaceId, deleting: (kind, name))
        if let problem = Self.problem(segments: definitions.segments, traits: definitions.traits),
           problem.code == .unknownSegment {
            throw RapportError(.conflict, "segment \"\(name)\" is still referred to: \(problem.message)")
        }
        if kind == .tag {
            // Taken off everyone who carries it by hand, through the log, before it stops existing.
            let holders = await projector.manualTagHolders(workspaceId: workspaceId, tag: name)
            try await writeTagEvents(name, profiles: holders, added: false, workspaceId: workspaceId, by: "tag deleted")
        }
        guard try await store.deleteDefinition(workspaceId: workspaceId, kind: kind, name: name) else {
            throw RapportError(.notFound, "no \(kind.noun) \"\(name)\"")
        }
        try await projector.define(workspaceId: workspaceId, definitions)
    }

    /// What is wrong with these definitions together (references, cycles, names), if anything.
    static func problem(segments: [SegmentDefinition], traits: [ComputedTrait]) -> ConditionError? {
        var check = Audience()
        do throws(ConditionError) {
            try check.define(segments: segments, traits: traits)
            return nil
        } catch {
            return error
        }
    }

    /// A segment's members for export: `profile_id` and each chosen column —
    /// a computed trait, a trait, or `segments` — where the profile has it.
    /// `nil` if there is no such segment; `size` counts every member, past `limit` too.
    public func segmentRows(workspaceId: WorkspaceID, segment: String, columns: [String], limit: Int = .max) async
        -> (size: Int, rows: [[String: JSONValue]])?
    {
        guard let ids = await projector.segmentMembers(workspaceId: workspaceId, segment: segment) else { return nil }
        var rows: [[String: JSONValue]] = []
        for id in ids.prefix(max(0, limit)) {
            guard let v = await projector.profile(id, workspaceId: workspaceId) else { continue }
            var row: [String: JSONValue] = ["profile_id": .number(Double(id.rawValue))]
            for c in columns {
                if c == "segments" {
                    row[c] = .array(v.segments.map(JSONValue.string))
                } else if let value = v.computed[c] ?? v.traits[c]?.value {
                    row[c] = value
                }
            }
            rows.append(row)
        }
        return (ids.count, rows)
    }
}

extension DefinitionKind {
    /// What operators call it.
    public var noun: String {
        switch self {
        case .segment: "segment"
        case .trait: "computed trait"
        case .tag: "tag"
        case .lifecycle: "lifecycle model"
        case .rfm: "RFM model"
        case .cluster: "cluster model"
        }
    }
}
