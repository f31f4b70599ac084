import RapportAudience
import RapportCore
import RapportInsights
import RapportStore

extension ProfileProjector {
    /// The AARRR report of a workspace.
    public func aarrr(_ q: AARRRQuery, workspaceId ws: WorkspaceID) async throws -> AARRRReport {
        let sourceNames = Dictionary(try await store.sources(workspaceId: ws).map { ($0.id, $0.name) },
                                     uniquingKeysWith: { a, _ in a })
        try await reportAudience(workspaceId: ws, paths: q.paths)
        guard var audience = audiences[ws] else { throw RapportError(.notFound, "no such workspace") }
        let report = try AARRR.report(&audience, q) { v, path in
            if path == .source, case .number(let x) = v, let id = Int64(exactly: x) {
                return sourceNames[id] ?? (id == RapportSource.id ? "rapport" : "source \(id)")
            }
            return Self.label(v)
        }
        audiences[ws] = audience
        return report
    }
}
