import Hummingbird
import NIOCore
import RapportCore
import RapportEngine
import RapportStore

/// The admin API for tags: define them in groups (with an optional rule),
/// set them on profiles by id or by CSV upload, list who carries them.
struct TagController {
    let engine: Engine
    let auth: TokenAuthenticator
    /// Largest CSV upload.
    let uploadLimit = 64 << 20

    func addRoutes(to router: Router<RapportRequestContext>) {
        let tags = router.group("/v1/tags")
        tags.get { request, _ in try await list(request) }
        tags.get("{name}") { request, context in try await get(request, context: context) }
        tags.put("{name}") { request, context in try await put(request, context: context) }
        tags.delete("{name}") { request, context in try await delete(request, context: context) }
        tags.get("{name}/members") { request, context in try await members(request, context: context) }
        tags.post("{name}/profiles") { request, context in try await setOnProfiles(request, context: context) }
        tags.post("{name}/upload") { request, context in try await upload(request, context: context) }
    }

    func json(_ d: DefinitionRecord, size: Int) -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(d.name), "group": .string(d.group), "description": .string(d.description),
            "size": .number(Double(size)),
            "createdAt": .string(Timestamp.formatISO8601(d.createdAt)),
            "updatedAt": .string(Timestamp.formatISO8601(d.updatedAt)),
        ]
        o["rule"] = d.body.isEmpty ? .null : .string(d.body)
        return .object(o)
    }

    func list(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let tags = try await engine.tags(workspaceId: p.workspaceId)
        return JSONResponse.make(.object([
            "tags": .array(tags.map { json($0.record, size: $0.size) }),
            "defaultGroups": .array(Engine.defaultTagGroups.map(JSONValue.string)),
        ]))
    }

    func get(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let d = try await engine.tag(try context.pathName(), workspaceId: p.workspaceId)
        return JSONResponse.make(json(d, size: await engine.tagMembers(workspaceId: p.workspaceId, tag: d.name).count))
    }

    /// `{"group": "loyalty", "rule": "…" (optional: text or JSON form), "description": "…"}`.
    func put(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        let o = try await request.jsonObject()
        guard let group = o["group"]?.stringValue else {
            throw RapportError(.invalidArgument, "give \"group\", e.g. one of "
                + Engine.defaultTagGroups.joined(separator: ", "))
        }
        let rule: String
        switch o["rule"] {
        case nil, .null?: rule = ""
        case let value?: rule = try AudienceController.conditionText(value)
        }
        let d = try await engine.saveDefinition(workspaceId: p.workspaceId, kind: .tag, name: name, body: rule,
                                                description: o["description"]?.stringValue ?? "", group: group)
        return JSONResponse.make(json(d, size: await engine.tagMembers(workspaceId: p.workspaceId, tag: name).count))
    }

    func delete(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        try await engine.deleteDefinition(workspaceId: p.workspaceId, kind: .tag, name: name)
        return JSONResponse.make(.object(["deleted": .string(name)]))
    }

    func members(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let name = try context.pathName()
        _ = try await engine.tag(name, workspaceId: p.workspaceId)
        let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "") ?? 1_000
        guard limit >= 0 else { throw RapportError(.invalidArgument, "limit is a whole number ≥ 0") }
        let members = await engine.tagMembers(workspaceId: p.workspaceId, tag: name)
        return JSONResponse.make(.object([
            "tag": .string(name), "size": .number(Double(members.count)),
            "members": .array(members.prefix(limit).map { .number(Double($0.rawValue)) }),
        ]))
    }

    static func report(_ c: Engine.TagChange) -> JSONValue {
        .object([
            "changed": .number(Double(c.changed)), "unchanged": .number(Double(c.unchanged)),
            "notFound": .array(c.notFound.prefix(1_000).map(JSONValue.string)),
            "notFoundCount": .number(Double(c.notFound.count)),
        ])
    }

    /// `{"add": [profile ids], "remove": [profile ids]}`.
    func setOnProfiles(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        let o = try await request.jsonObject()
        func ids(_ key: String) throws -> [ProfileID] {
            guard let value = o[key] else { return [] }
            guard case .array(let items) = value, items.count <= 100_000 else {
                throw RapportError(.invalidArgument, "\"\(key)\" is an array of at most 100,000 profile ids")
            }
            return try items.map { item in
                guard let d = item.doubleValue, d >= 1, d <= 9_007_199_254_740_991, d == d.rounded() else {
                    throw RapportError(.invalidArgument, "\"\(key)\" holds profile ids (whole numbers ≥ 1)")
                }
                return ProfileID(Int64(d))
            }
        }
        let add = try ids("add"), remove = try ids("remove")
        guard !add.isEmpty || !remove.isEmpty else {
            throw RapportError(.invalidArgument, "give \"add\" or \"remove\": arrays of profile ids")
        }
        let actor = "api:\(p.name)"
        let added = try await engine.setTag(name, on: add, added: true, workspaceId: p.workspaceId, by: actor)
        let removed = try await engine.setTag(name, on: remove, added: false, workspaceId: p.workspaceId, by: actor)
        return JSONResponse.make(.object(["added": Self.report(added), "removed": Self.report(removed)]))
    }

    /// A CSV body (header, then one profile per line); `?remove=true` takes the tag off instead.
    func upload(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        let remove = request.uri.queryParameters["remove"].map { $0 == "true" || $0 == "1" } ?? false
        let buffer = try await request.collectBody(limit: uploadLimit)
        let change = try await engine.setTag(name, csv: Array(buffer.readableBytesView), added: !remove,
                                             workspaceId: p.workspaceId, by: "upload:\(p.name)")
        return JSONResponse.make(Self.report(change))
    }
}
