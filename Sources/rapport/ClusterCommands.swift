import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportEngine

/// `rapport clusters …`: k-means clusters of the workspace's customers, kept
/// as each profile's `cluster`.
struct Clusters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cluster the workspace's customers (k-means on computed traits, RFM figures or numeric traits).",
        discussion: "e.g.\n  rapport clusters set --feature rfm.recency_days:log --feature rfm.frequency:log "
            + "--feature rfm.monetary:log1p --k 5\n  rapport clusters show\n  rapport clusters name Regulars 'Big spenders'\n"
            + "  rapport clusters fit\n(rapport cluster, singular, clusters a transactions file.)",
        subcommands: [Show.self, Set.self, Fit.self, Name.self, Delete.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each cluster's size now and its centre per feature.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                guard let o = await engine.projector.clusterOverview(workspaceId: ws) else {
                    Swift.print("No cluster model: rapport clusters set --feature ATTRIBUTE[:log|log1p] … --k N")
                    return
                }
                Clusters.print(o)
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the model and fit it on the customers now: --feature … --k N, or --file model.json.")
        @OptionGroup var options: DataOptions
        @Option(help: "An attribute and its transform (none, log, log1p): lifetime_revenue:log1p, rfm.frequency:log. Repeat per feature.")
        var feature: [String] = []
        @Option(name: .customLong("k"), help: "The number of clusters.") var k = 5
        @Option(help: "The random seed (the same seed and customers give the same clusters).") var seed: UInt64 = 0
        @Flag(help: "Do not standardise the features.") var raw = false
        @Option(help: "The model as JSON instead: {\"features\": [{\"attribute\", \"transform\", \"missing\"}…], \"k\": …}.")
        var file: String?
        func run() async throws {
            let model: ClusterModel
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { Terminal.fail("cannot read \(file)") }
                do {
                    model = try ClusterModel(json: String(decoding: data, as: UTF8.self))
                } catch let e as RapportError {
                    Terminal.fail(e.message)
                }
            } else {
                guard !feature.isEmpty else { throw ValidationError("give --feature (one or more) or --file") }
                let features = try feature.map { text -> ClusterModel.Feature in
                    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                    let transform = parts.count > 1 ? KMeans.Transform(rawValue: parts[1]) : KMeans.Transform.none  // trap-ok: checked
                    guard let attribute = parts.first, let transform else {
                        throw ValidationError("--feature is ATTRIBUTE or ATTRIBUTE:none|log|log1p, not \"\(text)\"")
                    }
                    return ClusterModel.Feature(attribute, transform: transform)
                }
                model = ClusterModel(features: features, k: k, standardise: !raw, seed: seed)
            }
            try await Clusters.change(options) { engine, ws in try await engine.saveClusters(workspaceId: ws, model: model) }
        }
    }

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fit the model again on the customers as they are now.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await Clusters.change(options) { engine, ws in try await engine.refitClusters(workspaceId: ws) }
        }
    }

    struct Name: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name clusters 1, 2, … in order (\"\" keeps \"Cluster N\").")
        @OptionGroup var options: DataOptions
        @Argument(help: "The names.") var names: [String]
        func run() async throws {
            try await Clusters.change(options) { engine, ws in try await engine.nameClusters(workspaceId: ws, names: names) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop clustering: profiles lose their cluster.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                try await engine.deleteClusters(workspaceId: ws)
                Swift.print("Deleted the cluster model.")
            }
        }
    }

    /// Changes the model, then shows the clusters as they are.
    static func change(_ options: DataOptions, _ body: (Engine, WorkspaceID) async throws -> ClusterModel) async throws {
        try await AudienceCLI.withAudience(options) { engine, ws in
            _ = try await body(engine, ws)
            if let o = await engine.projector.clusterOverview(workspaceId: ws) { Clusters.print(o) }
        }
    }

    static func print(_ o: ClusterOverview) {
        let features = o.model.features.map(\.attribute)
        Swift.print((["cluster", "name", "size"] + features).joined(separator: "\t"))
        for c in o.clusters {
            let centre = c.centre.map { String(format: "%.2f", $0) }
            Swift.print((["\(c.number)", c.name, "\(c.size)"] + centre).joined(separator: "\t"))
        }
        if o.unassigned > 0 { Swift.print("(none)\t\t\(o.unassigned)") }
        if let fit = o.model.fit {
            Swift.print("Fitted \(Timestamp.formatISO8601(fit.fittedAt)) on \(fit.sampled) of \(fit.profiles) customers: "
                + "inertia \(String(format: "%.1f", fit.inertia)) after \(fit.iterations) iterations.")
        }
    }
}
