import Foundation
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

/// Clusters: the use cases the API, the CLI and the console share.
extension Engine {
    /// Fits the model on the workspace's customers as they are now, saves
    /// it with its fit, and puts every profile in its nearest cluster. A
    /// `fit` in the model given is ignored.
    ///
    /// - Throws: `RapportError` for a bad model or too few profiles with every figure.
    @discardableResult
    public func saveClusters(workspaceId: WorkspaceID, model: ClusterModel) async throws -> ClusterModel {
        let fitted = try await projector.fitClusters(model, workspaceId: workspaceId)
        let record = try await saveDefinition(workspaceId: workspaceId, kind: .cluster, name: ClusterModel.recordName,
                                              body: fitted.jsonText)
        return try ClusterModel(json: record.body)
    }

    /// Fits the workspace's model again on its customers as they are now.
    @discardableResult
    public func refitClusters(workspaceId: WorkspaceID) async throws -> ClusterModel {
        guard let model = try await clusterModel(workspaceId: workspaceId) else {
            throw RapportError(.notFound, "no cluster model")
        }
        return try await saveClusters(workspaceId: workspaceId, model: model)
    }

    /// Names the clusters (1, 2, … in order; an empty name leaves "Cluster N") without fitting again.
    @discardableResult
    public func nameClusters(workspaceId: WorkspaceID, names: [String]) async throws -> ClusterModel {
        guard var model = try await clusterModel(workspaceId: workspaceId) else {
            throw RapportError(.notFound, "no cluster model")
        }
        model.names = names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        while model.names.last?.isEmpty == true { model.names.removeLast() }
        let record = try await saveDefinition(workspaceId: workspaceId, kind: .cluster, name: ClusterModel.recordName,
                                              body: model.jsonText)
        return try ClusterModel(json: record.body)
    }

    /// The workspace's stored cluster model with its fit; `nil` when it has none.
    public func clusterModel(workspaceId: WorkspaceID) async throws -> ClusterModel? {
        guard let r = try await store.definitions(workspaceId: workspaceId, kind: .cluster)
            .first(where: { $0.name == ClusterModel.recordName }) else { return nil }
        return try ClusterModel(json: r.body)
    }

    /// Stops clustering; conditions then find no `cluster`.
    public func deleteClusters(workspaceId: WorkspaceID) async throws {
        try await deleteDefinition(workspaceId: workspaceId, kind: .cluster, name: ClusterModel.recordName)
    }
}
