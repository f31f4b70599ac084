import Foundation
import Hummingbird
import Mustache
import NIOCore
import RapportCore
import RapportEngine
import RapportStore
import Synchronization

/// The operator console: server-rendered HTML pages behind a login.
///
/// To add a page: add a template to `ConsoleTemplates.all`, its labels to
/// `ConsoleStrings`, a `NavItem` if it belongs in the top bar, and a route
/// below that builds the page's context and calls `page(...)`.
struct ConsoleController {
    let engine: Engine
    let sessions = ConsoleSessions()
    let library: MustacheLibrary

    init(engine: Engine) {
        self.engine = engine
        var library = MustacheLibrary()
        for (name, source) in ConsoleTemplates.all {
            // Templates are part of the binary and covered by tests; one that fails to parse is left out
            // and its page answers with an error instead of taking the server down.
            try? library.register(source, named: name)
        }
        self.library = library
    }

    struct NavItem {
        var key: String
        var href: String
    }
    static let nav = [NavItem(key: "overview", href: "/"), NavItem(key: "customers", href: "/customers"),
                      NavItem(key: "segments", href: "/segments"), NavItem(key: "tags", href: "/tags"),
                      NavItem(key: "lifecycle", href: "/lifecycle"), NavItem(key: "rfm", href: "/rfm"),
                      NavItem(key: "clusters", href: "/clusters"), NavItem(key: "funnel", href: "/insights/funnel"),
                      NavItem(key: "retention", href: "/insights/retention"), NavItem(key: "paths", href: "/insights/paths"),
                      NavItem(key: "aarrr", href: "/insights/aarrr"), NavItem(key: "basket", href: "/insights/basket")]

    func addRoutes(to router: Router<RapportRequestContext>) {
        router.get("/login") { request, _ in loginPage(request, error: nil) }
        router.post("/login") { request, _ in try await login(request) }
        router.post("/logout") { request, _ in logout(request) }
        router.get("/") { request, _ in try await withSession(request) { try await overview(request, $0) } }
        router.get("/customers") { request, _ in try await withSession(request) { try await customers(request, $0) } }
        router.get("/customers/{id}") { request, context in
            try await withSession(request) { try await customer(request, context, $0, flash: nil) }
        }
        router.post("/customers/{id}/unmerge") { request, context in
            try await withSession(request) { try await unmerge(request, context, $0) }
        }
        addSegmentRoutes(to: router)
        addLifecycleRoutes(to: router)
        addAudienceRoutes(to: router)
        addInsightsRoutes(to: router)
        addAARRRRoutes(to: router)
        addBasketRoutes(to: router)
    }

    // MARK: - Sessions and language

    static let sessionCookie = "rapport_session"
    static let languageCookie = "rapport_lang"

    struct Visitor {
        var principal: Principal
        var language: ConsoleLanguage
        var setLanguageCookie: Bool
    }

    func language(_ request: Request) -> (ConsoleLanguage, Bool) {
        if let q = request.uri.queryParameters["lang"], let l = ConsoleLanguage.from(String(q)) { return (l, true) }
        if let c = request.cookies[Self.languageCookie], let l = ConsoleLanguage.from(c.value) { return (l, false) }
        if let header = request.headers[.acceptLanguage], header.lowercased().hasPrefix("zh") { return (.zhCN, false) }
        return (.en, false)
    }

    func withSession(_ request: Request, _ body: (Visitor) async throws -> Response) async throws -> Response {
        let (lang, setCookie) = language(request)
        guard let token = request.cookies[Self.sessionCookie]?.value, let principal = sessions.principal(token) else {
            let next = request.uri.path
            return redirect("/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        }
        var response = try await body(Visitor(principal: principal, language: lang, setLanguageCookie: setCookie))
        if setCookie {
            response.setCookie(Cookie(name: Self.languageCookie, value: lang.rawValue, path: "/", sameSite: .lax))
        }
        return response
    }

    // MARK: - Pages

    func loginPage(_ request: Request, error: String?) -> Response {
        let (lang, _) = language(request)
        let t = ConsoleStrings.table(lang)
        let next = request.uri.queryParameters["next"].map(String.init) ?? "/"
        var ctx: [String: Any] = ["t": t, "next": next]
        if let error { ctx["error"] = error }
        return page("login", title: t["login"] ?? "Login", context: ctx, visitor: nil, language: lang, active: nil)
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let (lang, _) = language(request)
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard let principal = try await engine.login(username: username, password: password) else {
            return loginPage(request, error: ConsoleStrings.table(lang)["loginFailed"] ?? "Wrong user name or password")
        }
        let token = sessions.open(principal)
        var next = form["next"] ?? "/"
        if !next.hasPrefix("/") || next.hasPrefix("//") { next = "/" }
        var response = redirect(next)
        response.setCookie(Cookie(name: Self.sessionCookie, value: token, path: "/", secure: false, httpOnly: true,
                                  sameSite: .lax))
        return response
    }

    func logout(_ request: Request) -> Response {
        if let token = request.cookies[Self.sessionCookie]?.value { sessions.close(token) }
        var response = redirect("/login")
        response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true))
        return response
    }

    func overview(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        let ws = v.principal.workspaceId
        let s = try await engine.store.stats(workspaceId: ws)
        let counts = await engine.projector.profileCounts(workspaceId: ws)
        let now = engine.clock.nowMillis()
        let daily = try await engine.store.dailyCounts(workspaceId: ws, days: 30, now: now)
        var days: [String] = []
        for i in stride(from: 29, through: 0, by: -1) {
            days.append(String(Timestamp.formatISO8601(now - Int64(i) * 86_400_000).prefix(10)))
        }
        let sourceNames = Array(Set(daily.map(\.source))).sorted()
        let series: [(name: String, values: [Double])] = sourceNames.map { name in
            let byDay = Dictionary(daily.filter { $0.source == name }.map { ($0.day, Double($0.count)) },
                                   uniquingKeysWith: +)
            return (name, days.map { byDay[$0] ?? 0 })
        }
        let chart = SVGChart.stackedBars(days: days, series: series, title: t["eventsPerDay"] ?? "Events per day")
        let merges = try await recentMerges(ws)
        let ctx: [String: Any] = [
            "t": t,
            "stats": [
                "profiles": Self.number(counts.live), "events": Self.number(s.events), "orders": Self.number(s.orders),
                "revenue": Self.money(s.revenue), "merges": Self.number(s.merges),
                "warnings": Self.number(s.identityWarnings),
            ],
            "chart": chart,
            "identifierKinds": s.identifiersByKind.sorted { $0.value > $1.value }.map {
                ["kind": $0.key, "count": Self.number($0.value)]
            },
            "sources": s.eventsBySource.sorted { $0.value > $1.value }.map {
                ["name": $0.key, "count": Self.number($0.value)]
            },
            "merges": merges,
        ]
        return page("overview", title: t["overview"] ?? "Overview", context: ctx, visitor: v, language: v.language,
                    active: "overview")
    }

    func recentMerges(_ ws: WorkspaceID) async throws -> [[String: Any]] {
        let all = await engine.projector.recentMerges(workspaceId: ws, limit: 10)
        return all.map { m in
            ["id": String(m.id), "from": String(m.from.rawValue), "into": String(m.into.rawValue),
             "identifier": m.identifier, "at": Self.time(m.at), "href": "/customers/\(m.into.rawValue)"]
        }
    }

    func customers(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = request.uri.queryParameters["q"].map(String.init) ?? ""
        var ctx: [String: Any] = ["t": t, "q": q]
        if !q.isEmpty {
            var found = await engine.projector.search(q, workspaceId: v.principal.workspaceId, limit: 50)
            if found.isEmpty, let identifier = Identifier(parsing: q),
                let id = await engine.projector.profileId(for: engine.normalize(identifier),
                                                          workspaceId: v.principal.workspaceId),
                let view = await engine.projector.profile(id, workspaceId: v.principal.workspaceId)
            {
                found = [view]
            }
            ctx["results"] = found.map { view -> [String: Any] in
                [
                    "id": String(view.id.rawValue),
                    "name": Self.display(view.traits["name"]?.value) ,
                    "identifiers": view.identifiers.prefix(4).map { $0.identifier.description }.joined(separator: ", "),
                    "lastSeen": view.aggregates.eventCount > 0 ? Self.time(view.aggregates.lastSeen) : "",
                    "orders": Self.number(view.aggregates.orders),
                ]
            }
            ctx["noResults"] = found.isEmpty
        }
        return page("customers", title: t["customers"] ?? "Customers", context: ctx, visitor: v,
                    language: v.language, active: "customers")
    }

    func customer(_ request: Request, _ context: RapportRequestContext, _ v: Visitor, flash: String?) async throws
        -> Response
    {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        let ws = v.principal.workspaceId
        guard let text = context.parameters.get("id"), let raw = Int64(text),
            let view = await engine.projector.profile(ProfileID(raw), workspaceId: ws)
        else {
            return page("error", title: t["notFound"] ?? "Not found",
                        context: ["t": t, "title": t["notFound"] ?? "Not found",
                                  "message": t["noSuchCustomer"] ?? "No such customer"],
                        visitor: v, language: v.language, active: "customers", status: .notFound)
        }
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let timeline = try await engine.timeline(view.id, workspaceId: ws, before: before, limit: 50)
        let canUnmerge = Permission.editIdentity.roles.contains(v.principal.role)
        var ctx: [String: Any] = [
            "t": t,
            "profileId": String(view.id.rawValue),
            "name": Self.display(view.traits["name"]?.value),
            "identifiers": view.identifiers.sorted { ($0.identifier.kind, $0.identifier.value) < ($1.identifier.kind, $1.identifier.value) }.map {
                ["kind": $0.identifier.kind, "value": $0.identifier.value, "firstSeen": Self.time($0.firstSeen),
                 "profileId": String($0.profileId.rawValue)]
            },
            "traits": view.traits.sorted { $0.key < $1.key }.map {
                ["key": $0.key, "value": Self.display($0.value.value), "setAt": Self.time($0.value.setAt)]
            },
            "aggregates": [
                "firstSeen": view.aggregates.eventCount > 0 ? Self.time(view.aggregates.firstSeen) : "—",
                "lastSeen": view.aggregates.eventCount > 0 ? Self.time(view.aggregates.lastSeen) : "—",
                "events": Self.number(view.aggregates.eventCount), "orders": Self.number(view.aggregates.orders),
                "revenue": Self.money(view.aggregates.revenue), "refunds": Self.number(view.aggregates.refunds),
            ],
            "eventCounts": view.aggregates.eventCounts.sorted { $0.value > $1.value }.map {
                ["name": $0.key, "count": Self.number($0.value)]
            },
            "timeline": timeline.events.map { e -> [String: Any] in
                ["time": Self.time(e.stored.timestamp), "source": e.sourceName, "name": e.stored.name,
                 "type": e.stored.type.rawValue, "detail": Self.detail(e.message)]
            },
            "merges": view.merges.sorted { $0.id > $1.id }.map { m -> [String: Any] in
                ["id": String(m.id), "from": String(m.from.rawValue), "into": String(m.into.rawValue),
                 "identifier": m.identifier, "messageId": m.messageId, "at": Self.time(m.at),
                 "undone": m.undoneAt.map { Self.time($0) + (m.undoneBy.map { " · " + $0 } ?? "") } ?? "",
                 "canUnmerge": canUnmerge && m.undoneAt == nil, "profileId": String(view.id.rawValue)]
            },
        ]
        ctx["audience"] = Self.audienceContext(view, t)
        if let next = timeline.nextBefore { ctx["older"] = "/customers/\(view.id.rawValue)?before=\(next)" }
        if view.id.rawValue != raw {
            ctx["mergedNotice"] = (t["mergedInto"] ?? "Profile %1 was merged into this one")
                .replacingOccurrences(of: "%1", with: "#\(raw)")
        }
        if let flash { ctx["flash"] = flash }
        return page("customer", title: "#\(view.id.rawValue)", context: ctx, visitor: v, language: v.language,
                    active: "customers")
    }

    func unmerge(_ request: Request, _ context: RapportRequestContext, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.editIdentity.roles.contains(v.principal.role) else { return forbidden(v) }
        let form = try await Self.form(request)
        guard let text = context.parameters.get("id"), let raw = Int64(text),
            let mergeId = form["mergeId"].flatMap({ Int64($0) })
        else { throw RapportError(.invalidArgument, "mergeId is required") }
        let message: String
        do {
            let m = try await engine.unmerge(
                profile: ProfileID(raw), mergeId: mergeId, workspaceId: v.principal.workspaceId,
                by: v.principal.name, now: engine.clock.nowMillis())
            message = (t["unmerged"] ?? "Merge %1 undone").replacingOccurrences(of: "%1", with: "#\(m.id)")
        } catch let e as RapportError {
            message = e.message
        }
        return try await customer(request, context, v, flash: message)
    }

    // MARK: - Rendering

    func page(_ template: String, title: String, context: [String: Any], visitor: Visitor?, language: ConsoleLanguage,
              active: String?, status: HTTPResponse.Status = .ok) -> Response
    {
        let t = ConsoleStrings.table(language)
        let content = library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "t": t, "lang": language.rawValue, "title": title, "content": content,
            "nav": visitor == nil ? [] : Self.nav.map { item -> [String: Any] in
                ["href": item.href, "label": t[item.key] ?? item.key, "active": item.key == active]
            },
        ]
        if let visitor { layout["user"] = visitor.principal.name }
        let html = library.render(layout, withTemplate: "layout") ?? content
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func forbidden(_ v: Visitor) -> Response {
        let t = ConsoleStrings.table(v.language)
        return page("error", title: t["forbidden"] ?? "Forbidden",
                    context: ["t": t, "title": t["forbidden"] ?? "Forbidden",
                              "message": t["forbiddenMessage"] ?? "Your role may not see this page"],
                    visitor: v, language: v.language, active: nil, status: .forbidden)
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: - Formatting

    static func number(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }

    static func money(_ d: Double) -> String { String(format: "%.2f", d.isFinite ? d : 0) }

    static func time(_ ms: Int64) -> String {
        let s = Timestamp.formatISO8601(ms)
        return s.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: ".000Z", with: "")
            .replacingOccurrences(of: "Z", with: "")
    }

    static func display(_ v: JSONValue?) -> String {
        guard let v else { return "" }
        switch v {
        case .string(let s): return s
        case .null: return ""
        default: return v.jsonString
        }
    }

    /// A one-line summary of a message for the timeline.
    static func detail(_ message: JSONValue) -> String {
        var parts: [String] = []
        for key in ["properties", "traits"] {
            guard let o = message[key]?.objectValue else { continue }
            for k in o.keys.sorted().prefix(6) {
                let text = display(o[k])
                parts.append("\(k)=\(text.count > 40 ? String(text.prefix(40)) + "…" : text)")
            }
        }
        return parts.joined(separator: " · ")
    }

    /// An `application/x-www-form-urlencoded` body.
    static func form(_ request: Request) async throws -> [String: String] {
        var buffer = try await request.collectBody(limit: 64 * 1024)
        return formFields(buffer.readString(length: buffer.readableBytes) ?? "")
    }

    /// `application/x-www-form-urlencoded` fields (a form's body, or a GET form's query): `+` is a space.
    static func formFields(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if let k = kv.first { out[k] = kv.count > 1 ? kv[1] : "" }  // trap-ok: count checked
        }
        return out
    }
}

/// Console sessions in memory: a random token in an HttpOnly cookie. A
/// restart signs everyone out.
final class ConsoleSessions: Sendable {
    struct Session {
        var principal: Principal
        var expires: ContinuousClock.Instant
    }
    let sessions = Mutex<[String: Session]>([:])
    let lifetime: Duration = .seconds(12 * 3600)

    func open(_ principal: Principal) -> String {
        let token = Secrets.generate(prefix: "cs_", length: 40)
        sessions.withLock { s in
            let now = ContinuousClock.now
            s = s.filter { $0.value.expires > now }
            s[token] = Session(principal: principal, expires: now + lifetime)
        }
        return token
    }

    func principal(_ token: String) -> Principal? {
        sessions.withLock { s in
            guard let session = s[token], session.expires > ContinuousClock.now else { return nil }
            return session.principal
        }
    }

    func close(_ token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }
}
