import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// `rapport lifecycle …`: the lifecycle stage model, counts per stage, and
/// why a customer is in their stage.
struct Lifecycle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lifecycle stages: turn on the default model (or your own), see counts per stage and why a customer is where they are.",
        discussion: "e.g.\n  rapport lifecycle standard --purchase-event 'Order Completed' --churn-days 120\n"
            + "  rapport lifecycle show\n  rapport lifecycle why 42\n  rapport lifecycle set --file model.json",
        subcommands: [Show.self, Standard.self, Set.self, Why.self, Delete.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stages in priority order with their sizes and conditions.")
        @OptionGroup var options: DataOptions
        @Option(help: "Moves between stages over this many days.") var days = 30
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                guard let o = await engine.projector.lifecycleOverview(workspaceId: ws, days: days) else {
                    print("No lifecycle model: rapport lifecycle standard")
                    return
                }
                print("stage\tsize\tcondition")
                for (s, c) in zip(o.model.stages, o.stages) { print("\(s.name)\t\(c.size)\t\(s.condition)") }
                print("(none)\t\(o.unstaged)")
                if let w = o.model.warningStage { print("Entering \(w) fires a Churn Warning.") }
                if !o.flows.isEmpty { print("\nMoves in the last \(days) days:") }
                for f in o.flows { print("\(f.flow.from ?? "(none)") → \(f.flow.to ?? "(none)")\t\(f.count)") }
            }
        }
    }

    struct Standard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Use the default model: won back, new, loyal, active, at risk, churned, potential.")
        @OptionGroup var options: DataOptions
        @Option(help: "The event that is a purchase.") var purchaseEvent = "Order Completed"
        @Option(help: "New: first purchase within this many days.") var newDays = 14
        @Option(help: "Active and loyal: last purchase within this many days.") var activeDays = 30
        @Option(help: "Churned: no purchase for this many days.") var churnDays = 90
        @Option(help: "Loyal: at least this many purchases.") var loyalPurchases = 5
        @Option(help: "Won back: a purchase within this many days after churning.") var wonBackDays = 30
        func run() async throws {
            var p = LifecycleModel.Parameters()
            p.purchaseEvent = purchaseEvent
            p.newDays = newDays
            p.activeDays = activeDays
            p.churnDays = churnDays
            p.loyalPurchases = loyalPurchases
            p.wonBackDays = wonBackDays
            try await AudienceCLI.withAudience(options) { engine, ws in
                let model = try await engine.saveStandardLifecycle(workspaceId: ws, parameters: p)
                try await Lifecycle.printSizes(engine, ws, model)
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Use your own model from a JSON file: {\"stages\": [{\"name\", \"condition\", \"description\"}…], \"warning_stage\": …}.")
        @OptionGroup var options: DataOptions
        @Option(help: "The model as JSON.") var file: String
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { Terminal.fail("cannot read \(file)") }
            let text = String(decoding: data, as: UTF8.self)
            try await AudienceCLI.withAudience(options) { engine, ws in
                let model = try await engine.saveLifecycle(workspaceId: ws, model: try LifecycleModel(json: text))
                try await Lifecycle.printSizes(engine, ws, model)
            }
        }
    }

    struct Why: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A customer's stage and why: each test with their value.")
        @OptionGroup var options: DataOptions
        @Argument(help: "A profile id, or an identifier as kind:value (email:li@example.com).") var profile: String
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                let id: ProfileID
                if let raw = Int64(profile) {
                    id = ProfileID(raw)
                } else if let identifier = Identifier(parsing: profile),
                          let found = await engine.projector.profileId(for: engine.normalize(identifier), workspaceId: ws) {
                    id = found
                } else {
                    Terminal.fail("no profile \(profile)")
                }
                guard await engine.projector.profile(id, workspaceId: ws) != nil else { Terminal.fail("no profile \(profile)") }
                guard let stage = await engine.projector.stage(of: id, workspaceId: ws) else {
                    print(await engine.projector.lifecycleModel(workspaceId: ws) == nil
                          ? "No lifecycle model: rapport lifecycle standard" : "Profile \(id) is in no stage.")
                    return
                }
                print("\(stage.name) — \(stage.description)")
                if let since = stage.since { print("since \(Timestamp.formatISO8601(since))") }
                for t in stage.reason { print("  \(t.condition): \(t.value ?? "—")") }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop keeping stages: every profile leaves its stage.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                try await engine.deleteLifecycle(workspaceId: ws)
                print("Deleted the lifecycle model.")
            }
        }
    }

    static func printSizes(_ engine: Engine, _ ws: WorkspaceID, _ model: LifecycleModel) async throws {
        let o = await engine.projector.lifecycleOverview(workspaceId: ws, days: 1)
        print("Saved the lifecycle model:")
        for (k, s) in model.stages.enumerated() {
            print("  \(s.name)\t\(o?.stages[safe: k]?.size ?? 0)\t\(s.description)")
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }  // trap-ok: checked
}
