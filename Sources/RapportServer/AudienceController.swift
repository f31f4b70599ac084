import Hummingbird
import NIOCore
import RapportAudience
import RapportCore
import RapportEngine
import RapportIngest
import RapportStore

/// The admin API for segments and computed traits: define, list, delete,
/// preview a condition's size, and export a segment's members.
struct AudienceController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        router.post("/v1/segments/preview") { request, _ in try await preview(request) }
        for kind in [DefinitionKind.segment, .trait] {
            let group = router.group(RouterPath(Self.collection(kind)))
            group.get { request, _ in try await list(kind, request) }
            group.get("{name}") { request, context in try await get(kind, request, context: context) }
            group.put("{name}") { request, context in try await put(kind, request, context: context) }
            group.delete("{name}") { request, context in try await delete(kind, request, context: context) }
        }
        router.get("/v1/segments/{name}/members") { request, context in try await members(request, context: context) }
        router.post("/v1/segments/{name}/upload") { request, context in try await upload(request, context: context) }
        router.get("/v1/segments/{name}/history") { request, context in try await history(request, context: context) }
    }

    /// `?days=30&bucket=day|hour`: the segment's size at the end of each
    /// bucket, with the entries and exits in it (from its segment events).
    func history(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let name = try context.pathName()
        let query = request.uri.queryParameters
        guard let days = Int(query["days"].map(String.init) ?? "30"), (1...3_650).contains(days) else {
            throw RapportError(.invalidArgument, "days is a whole number from 1 to 3650")
        }
        let bucket = query["bucket"].map(String.init) ?? "day"
        guard bucket == "day" || bucket == "hour" else { throw RapportError(.invalidArgument, "bucket is day or hour") }
        guard bucket == "day" || days <= 400 else { throw RapportError(.invalidArgument, "hourly history covers at most 400 days") }
        guard await engine.projector.segmentSize(workspaceId: p.workspaceId, segment: name) != nil else {
            throw RapportError(.notFound, "no segment \"\(name)\"")
        }
        let points = await engine.projector.segmentHistory(workspaceId: p.workspaceId, segment: name, lastDays: days,
                                                           hourly: bucket == "hour")
        return JSONResponse.make(.object([
            "segment": .string(name), "bucket": .string(bucket),
            "points": .array(points.map {
                .object([
                    "at": .string(Timestamp.formatISO8601($0.at)), "size": .number(Double($0.size)),
                    "entered": .number(Double($0.entered)), "exited": .number(Double($0.exited)),
                ])
            }),
        ]))
    }

    /// A static segment from a CSV body (header, then one profile per line);
    /// `?replace=true` makes the file the whole list.
    func upload(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        let replace = request.uri.queryParameters["replace"].map { $0 == "true" || $0 == "1" } ?? false
        let buffer = try await request.collectBody(limit: 64 << 20)
        let change = try await engine.uploadStaticSegment(name, csv: Array(buffer.readableBytesView), replace: replace,
                                                          workspaceId: p.workspaceId, by: "upload:\(p.name)")
        var report = TagController.report(change).objectValue ?? [:]
        report["size"] = .number(Double(await engine.projector.segmentSize(workspaceId: p.workspaceId, segment: name) ?? 0))
        return JSONResponse.make(.object(report))
    }

    static func collection(_ kind: DefinitionKind) -> String {
        kind == .segment ? "/v1/segments" : "/v1/traits"
    }

    static func field(_ kind: DefinitionKind) -> String { kind == .segment ? "condition" : "expression" }

    func json(_ d: DefinitionRecord, size: Int?) -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(d.name), Self.field(d.kind): .string(d.body), "description": .string(d.description),
            "createdAt": .string(Timestamp.formatISO8601(d.createdAt)),
            "updatedAt": .string(Timestamp.formatISO8601(d.updatedAt)),
        ]
        if d.kind == .segment, let c = try? Condition.parse(d.body) {
            o["json"] = c.json
            o["dependsOnTime"] = .bool(c.dependsOnTime)
        }
        if let size { o["size"] = .number(Double(size)) }
        return .object(o)
    }

    func size(_ d: DefinitionRecord) async -> Int? {
        guard d.kind == .segment else { return nil }
        return await engine.projector.segmentSize(workspaceId: d.workspaceId, segment: d.name)
    }

    func list(_ kind: DefinitionKind, _ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        var out: [JSONValue] = []
        for d in try await engine.store.definitions(workspaceId: p.workspaceId, kind: kind) {
            out.append(json(d, size: await size(d)))
        }
        return JSONResponse.make(.object([kind == .segment ? "segments" : "traits": .array(out)]))
    }

    func record(_ kind: DefinitionKind, _ name: String, _ ws: WorkspaceID) async throws -> DefinitionRecord {
        guard let d = try await engine.store.definitions(workspaceId: ws, kind: kind).first(where: { $0.name == name }) else {
            throw RapportError(.notFound, "no \(kind == .segment ? "segment" : "computed trait") \"\(name)\"")
        }
        return d
    }

    func get(_ kind: DefinitionKind, _ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let d = try await record(kind, try context.pathName(), p.workspaceId)
        return JSONResponse.make(json(d, size: await size(d)))
    }

    /// A condition sent as text or in its JSON form, as canonical text.
    static func conditionText(_ value: JSONValue?) throws -> String {
        switch value {
        case .string(let text)?: return text
        case .object?: return try Condition(json: value ?? .null).description
        default: throw RapportError(.invalidArgument, "give \"condition\": the condition as text, or its JSON form")
        }
    }

    func put(_ kind: DefinitionKind, _ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        let o = try await request.jsonObject()
        let body: String
        if kind == .segment {
            body = try Self.conditionText(o["condition"])
        } else {
            guard let text = o["expression"]?.stringValue else {
                throw RapportError(.invalidArgument, "give \"expression\", e.g. \"sum revenue of \\\"Order Completed\\\"\"")
            }
            body = text
        }
        let description = o["description"]?.stringValue ?? ""
        guard description.utf8.count <= 4_096 else { throw RapportError(.invalidArgument, "a description is at most 4 KiB") }
        let d = try await engine.saveDefinition(workspaceId: p.workspaceId, kind: kind, name: name, body: body,
                                                description: description)
        return JSONResponse.make(json(d, size: await size(d)))
    }

    func delete(_ kind: DefinitionKind, _ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let name = try context.pathName()
        try await engine.deleteDefinition(workspaceId: p.workspaceId, kind: kind, name: name)
        return JSONResponse.make(.object(["deleted": .string(name)]))
    }

    func preview(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let o = try await request.jsonObject()
        let condition = try Condition.parse(try Self.conditionText(o["condition"]))
        let matching = try await engine.projector.preview(condition, workspaceId: p.workspaceId)
        let total = await engine.projector.profileCounts(workspaceId: p.workspaceId).live
        return JSONResponse.make(.object([
            "size": .number(Double(matching.count)), "profiles": .number(Double(total)),
            "condition": .string(condition.description), "dependsOnTime": .bool(condition.dependsOnTime),
            "sample": .array(matching.prefix(20).map { .number(Double($0.rawValue)) }),
        ]))
    }

    /// `?format=csv|jsonl|json&traits=email,city&limit=N`: the members with chosen
    /// traits (traits, computed traits, or `segments`).
    func members(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let name = try context.pathName()
        let query = request.uri.queryParameters
        let format = query["format"].map(String.init) ?? "json"
        guard ["csv", "jsonl", "json"].contains(format) else {
            throw RapportError(.invalidArgument, "format is csv, jsonl or json")
        }
        let columns = (query["traits"].map(String.init) ?? "").split(separator: ",").map {
            String($0).trimmingASCIIWhitespace()
        }.filter { !$0.isEmpty }
        guard columns.count <= 100 else { throw RapportError(.invalidArgument, "at most 100 traits") }
        let limit = Int(query["limit"].map(String.init) ?? "") ?? .max
        guard limit >= 0 else { throw RapportError(.invalidArgument, "limit is a whole number ≥ 0") }
        guard let (size, rows) = await engine.segmentRows(workspaceId: p.workspaceId, segment: name, columns: columns,
                                                          limit: limit)
        else { throw RapportError(.notFound, "no segment \"\(name)\"") }
        switch format {
        case "csv":
            var text = CSVText.line(["profile_id"] + columns)
            for row in rows {
                text += CSVText.line((["profile_id"] + columns).map { row[$0].map(CSVText.cell) ?? "" })
            }
            return Response(status: .ok, headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"segment-members.csv\"",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
        case "jsonl":
            var bytes: [UInt8] = []
            for row in rows {
                bytes.append(contentsOf: JSONValue.object(row).serialized())
                bytes.append(0x0A)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        default:
            return JSONResponse.make(.object([
                "segment": .string(name), "size": .number(Double(size)), "members": .array(rows.map(JSONValue.object)),
            ]))
        }
    }
}
