import ArgumentParser
import Foundation
import RapportCore
import RapportEngine
import RapportStore

/// `rapport tags …`: define tags in groups, with or without a rule, and set
/// them on profiles by id or from a CSV.
struct Tags: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Define tags (in groups, optionally kept by a rule) and set them on profiles.",
        discussion: "e.g.\n  rapport tags save vip --group member_level --rule 'sum revenue of \"Order Completed\" > 1000'\n"
            + "  rapport tags save wechat_campaign_2026 --group acquisition\n"
            + "  rapport tags add wechat_campaign_2026 --file phones.csv   (header: phone)",
        subcommands: [List.self, Save.self, Delete.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tags: name, group, size, rule.")
        @OptionGroup var options: DataOptions
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                let tags = try await engine.tags(workspaceId: ws)
                if tags.isEmpty { print("No tags yet: rapport tags save NAME --group GROUP [--rule '…']") }
                for (r, size) in tags { print("\(r.name)\t\(r.group)\t\(size)\t\(r.body)") }
            }
        }
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or change a tag, and print how many carry it.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        @Option(help: "Its group: member_level, loyalty, activity, acquisition, lifecycle, referral, natural, behaviour, or your own.")
        var group: String
        @Option(help: "A condition that keeps the tag current (omit for a tag set by hand only).") var rule = ""
        @Option var description = ""
        func run() async throws {
            try await AudienceCLI.withAudience(options, text: rule) { engine, ws in
                try await engine.saveDefinition(workspaceId: ws, kind: .tag, name: name, body: rule,
                                                description: description, group: group)
                let size = await engine.tagMembers(workspaceId: ws, tag: name).count
                print("Saved tag \"\(name)\" (\(group)): \(size) profiles carry it.")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tag, taking it off every profile.")
        @OptionGroup var options: DataOptions
        @Argument var name: String
        func run() async throws {
            try await AudienceCLI.withAudience(options) { engine, ws in
                try await engine.deleteDefinition(workspaceId: ws, kind: .tag, name: name)
                print("Deleted tag \"\(name)\".")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a tag on profiles, by id or from a CSV.")
        @OptionGroup var change: TagChangeOptions
        func run() async throws { try await change.run(added: true) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a tag off profiles, by id or from a CSV.")
        @OptionGroup var change: TagChangeOptions
        func run() async throws { try await change.run(added: false) }
    }
}

struct TagChangeOptions: ParsableArguments {
    @OptionGroup var options: DataOptions
    @Argument(help: "The tag.") var name: String
    @Option(name: .customLong("profile"), help: "A profile id (repeat for several).") var profiles: [Int64] = []
    @Option(help: "A CSV: a header line (profile_id, identifier, user_id, email, phone, wechat_unionid, wechat_openid or anonymous_id), then one profile per line.")
    var file: String?

    func run(added: Bool) async throws {
        guard !profiles.isEmpty || file != nil else { throw ValidationError("give --profile ID or --file CSV") }
        let bytes: [UInt8]?
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            bytes = [UInt8](data)
        } else {
            bytes = nil
        }
        try await AudienceCLI.withAudience(options) { engine, ws in
            let actor = "cli:\(ProcessInfo.processInfo.userName)"
            var result = try await engine.setTag(name, on: profiles.map(ProfileID.init), added: added, workspaceId: ws,
                                                 by: actor)
            if let bytes {
                let fromFile = try await engine.setTag(name, csv: bytes, added: added, workspaceId: ws, by: actor)
                result.changed += fromFile.changed
                result.unchanged += fromFile.unchanged
                result.notFound += fromFile.notFound
            }
            print("\(added ? "Tagged" : "Untagged") \(result.changed) profiles; \(result.unchanged) already were; "
                + "\(result.notFound.count) not found.")
            for line in result.notFound.prefix(20) { FileHandle.standardError.write(Data("  \(line)\n".utf8)) }
        }
    }
}
