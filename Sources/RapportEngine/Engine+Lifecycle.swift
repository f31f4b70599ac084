import RapportAudience
import RapportCore
import RapportStore

/// Lifecycle stages: the use cases the API, the CLI and the console share.
extension Engine {
    /// The workspace's stored lifecycle model; `nil` when it has none (no stages are kept then).
    public func lifecycleModel(workspaceId: WorkspaceID) async throws -> LifecycleModel? {
        guard let r = try await store.definitions(workspaceId: workspaceId, kind: .lifecycle)
            .first(where: { $0.name == LifecycleModel.recordName }) else { return nil }
        return try LifecycleModel(json: r.body)
    }

    /// Checks and saves the workspace's lifecycle model (conditions in
    /// canonical text), then evaluates every profile's stage. A model whose
    /// conditions do not parse, or refer to missing segments or make a
    /// cycle, is refused and nothing changes.
    @discardableResult
    public func saveLifecycle(workspaceId: WorkspaceID, model: LifecycleModel) async throws -> LifecycleModel {
        let record = try await saveDefinition(workspaceId: workspaceId, kind: .lifecycle, name: LifecycleModel.recordName,
                                              body: model.jsonText)
        return try LifecycleModel(json: record.body)
    }

    /// Saves the default model (``LifecycleModel/standard(_:)``) built from these numbers.
    @discardableResult
    public func saveStandardLifecycle(workspaceId: WorkspaceID, parameters: LifecycleModel.Parameters = .init())
        async throws -> LifecycleModel
    {
        if let problem = parameters.problem { throw RapportError(.invalidArgument, problem) }
        return try await saveLifecycle(workspaceId: workspaceId, model: .standard(parameters))
    }

    /// Removes the lifecycle model: every profile leaves its stage.
    public func deleteLifecycle(workspaceId: WorkspaceID) async throws {
        try await deleteDefinition(workspaceId: workspaceId, kind: .lifecycle, name: LifecycleModel.recordName)
    }
}

/// RFM per profile: the use cases the API and the console share.
extension Engine {
    /// Sets which events are purchases and which property is the amount,
    /// and works every profile's RFM out.
    @discardableResult
    public func saveRFM(workspaceId: WorkspaceID, model: RFMModel) async throws -> RFMModel {
        let record = try await saveDefinition(workspaceId: workspaceId, kind: .rfm, name: RFMModel.recordName,
                                              body: model.jsonText)
        return try RFMModel(json: record.body)
    }

    /// Stops working RFM out; conditions then find no `rfm`.
    public func deleteRFM(workspaceId: WorkspaceID) async throws {
        try await deleteDefinition(workspaceId: workspaceId, kind: .rfm, name: RFMModel.recordName)
    }
}
