import Hummingbird
import RapportCore
import RapportEngine
import RapportIngest
import RapportStore

/// The admin API for profiles: look a person up by id or any identifier, read
/// identifiers, traits, aggregates, timeline and merge history, undo a merge.
struct ProfileController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        let group = router.group("/v1/profiles")
        group.get { request, _ in try await list(request) }
        group.get("{id}") { request, context in try await get(request, context: context) }
        group.get("{id}/events") { request, context in try await events(request, context: context) }
        group.get("{id}/merges") { request, context in try await merges(request, context: context) }
        group.post("{id}/unmerge") { request, context in try await unmerge(request, context: context) }
        router.get("/v1/stats") { request, _ in try await stats(request) }
        router.get("/v1/identity/warnings") { request, _ in try await warnings(request) }
    }

    func profileId(_ context: RapportRequestContext) throws -> ProfileID {
        guard let text = context.parameters.get("id"), let id = Int64(text) else {
            throw RapportError(.invalidArgument, "a profile id is a number")
        }
        return ProfileID(id)
    }

    func list(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let query = request.uri.queryParameters
        if let text = query["identifier"].map(String.init) {
            guard let raw = Identifier(parsing: text) else {
                throw RapportError(.invalidArgument, "identifier must be kind:value, e.g. email:a@b.com")
            }
            let identifier = engine.normalize(raw)
            guard let id = await engine.projector.profileId(for: identifier, workspaceId: p.workspaceId),
                let view = await engine.projector.profile(id, workspaceId: p.workspaceId)
            else { throw RapportError(.notFound, "no profile has the identifier \(identifier)") }
            return JSONResponse.make(ProfileJSON.profile(view))
        }
        if let q = query["q"].map(String.init) {
            let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 20, 1), 200)
            let found = await engine.projector.search(q, workspaceId: p.workspaceId, limit: limit)
            return JSONResponse.make(.object(["profiles": .array(found.map(ProfileJSON.summary))]))
        }
        throw RapportError(.invalidArgument, "give ?identifier=kind:value or ?q=text")
    }

    func get(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let id = try profileId(context)
        guard let view = await engine.projector.profile(id, workspaceId: p.workspaceId) else {
            throw RapportError(.notFound, "no profile \(id)")
        }
        return JSONResponse.make(ProfileJSON.profile(view))
    }

    func events(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let id = try profileId(context)
        let query = request.uri.queryParameters
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 500)
        let before = query["before"].flatMap { Int64(String($0)) }
        guard await engine.projector.profile(id, workspaceId: p.workspaceId) != nil else {
            throw RapportError(.notFound, "no profile \(id)")
        }
        let page = try await engine.timeline(id, workspaceId: p.workspaceId, before: before, limit: limit)
        var out: [String: JSONValue] = ["events": .array(page.events.map(ProfileJSON.event))]
        if let next = page.nextBefore { out["next"] = .string("?before=\(next)&limit=\(limit)") }
        return JSONResponse.make(.object(out))
    }

    func merges(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let id = try profileId(context)
        guard let view = await engine.projector.profile(id, workspaceId: p.workspaceId) else {
            throw RapportError(.notFound, "no profile \(id)")
        }
        return JSONResponse.make(.object(["merges": .array(view.merges.map(ProfileJSON.merge))]))
    }

    func unmerge(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editIdentity, request)
        let id = try profileId(context)
        var mergeId: Int64?
        var body = try await request.collectBody(limit: 64 * 1024)
        if body.readableBytes > 0, let bytes = body.readBytes(length: body.readableBytes) {
            let json = try JSONValue.parse(bytes)
            if let m = json["mergeId"]?.doubleValue { mergeId = Int64(exactly: m) }
        }
        let undone = try await engine.unmerge(
            profile: id, mergeId: mergeId, workspaceId: p.workspaceId, by: p.name, now: engine.clock.nowMillis())
        return JSONResponse.make(.object(["success": .bool(true), "merge": ProfileJSON.merge(undone)]))
    }

    func stats(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readStats, request)
        let s = try await engine.store.stats(workspaceId: p.workspaceId)
        return JSONResponse.make(ProfileJSON.stats(s))
    }

    func warnings(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let list = try await engine.store.identityWarnings(workspaceId: p.workspaceId, limit: 200)
        return JSONResponse.make(.object(["warnings": .array(list.map { w in
            .object([
                "seq": .number(Double(w.seq)), "messageId": .string(w.messageId), "identifier": .string(w.identifier),
                "code": .string(w.code), "detail": .string(w.detail), "at": .string(Timestamp.formatISO8601(w.at)),
            ])
        })]))
    }
}
