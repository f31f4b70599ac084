import Hummingbird
import RapportCore
import RapportEngine
import RapportStore
import Synchronization

/// What a role may do. Each role gets only what its work needs.
public enum Permission: String, Sendable, CaseIterable {
    /// Read profiles, identifiers, traits and timelines.
    case readProfiles
    /// Read workspace statistics and reports.
    case readStats
    /// Undo merges and otherwise correct identity.
    case editIdentity
    /// Create write keys, tokens and users.
    case manageCredentials
    /// Define segments and computed traits.
    case editAudience

    /// The roles allowed this permission.
    public var roles: Set<Role> {
        switch self {
        case .readProfiles: return [.admin, .analyst, .`operator`, .support]
        case .readStats: return [.admin, .analyst, .`operator`]
        case .editIdentity: return [.admin, .support]
        case .manageCredentials: return [.admin]
        case .editAudience: return [.admin, .analyst, .`operator`]
        }
    }
}

/// Authenticates Bearer API tokens; remembers tokens it has checked.
final class TokenAuthenticator: Sendable {
    let engine: Engine
    let cache = Mutex<[String: Principal]>([:])

    init(engine: Engine) { self.engine = engine }

    /// The principal of the request's Bearer token, or an `.unauthorized` error.
    func principal(_ request: Request) async throws -> Principal {
        guard let header = request.headers[.authorization] else {
            throw RapportError(.unauthorized, "send an API token as Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {  // trap-ok: count checked
            throw RapportError(.unauthorized, "send an API token as Authorization: Bearer <token>")
        }
        let token = String(parts[1]).trimmingASCIIWhitespace()  // trap-ok: count checked
        if let p = cache.withLock({ $0[token] }) { return p }
        guard let p = try await engine.principal(forToken: token) else {
            throw RapportError(.unauthorized, "unknown API token")
        }
        cache.withLock { c in
            if c.count > 10_000 { c.removeAll() }
            c[token] = p
        }
        return p
    }

    /// The principal, if it has `permission`; else `.unauthorized` / `.forbidden`.
    func require(_ permission: Permission, _ request: Request) async throws -> Principal {
        let p = try await principal(request)
        guard permission.roles.contains(p.role) else {
            throw RapportError(.forbidden, "the \(p.role.rawValue) role may not \(permission.rawValue)")
        }
        return p
    }
}
