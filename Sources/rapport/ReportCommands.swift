import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportEngine
import RapportInsights
import RapportServer

/// `rapport report …`: funnels and retention of the data directory's workspace, as CSV or JSON.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Funnel, retention, paths, AARRR and basket reports of the workspace, as CSV or JSON (as the API answers).",
        subcommands: [FunnelCommand.self, RetentionCommand.self, PathsCommand.self, AARRRCommand.self, BasketReportCommand.self])

    struct FunnelCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "funnel",
            abstract: "How many profiles did each step in order, dropped after it, and how long the steps took.",
            discussion: """
                Steps are events in the condition language's event form (docs/conditions.md): a name, or a \
                quoted name with a where condition, e.g.
                  rapport report funnel --step "Product Viewed" --step '"Order Completed" where revenue > 100'
                """)
        @OptionGroup var options: DataOptions
        @Option(name: .customLong("step"), help: "A step (repeat, in order).") var steps: [String] = []
        @Option(help: "The conversion window in days.") var windowDays = 30
        @Option(help: "sequential, strict (each step the very next event) or any.") var order = "sequential"
        @Option(help: "The first day entries count (YYYY-MM-DD); default 30 days before --to.") var from: String?
        @Option(help: "The last day entries count (YYYY-MM-DD); default now.") var to: String?
        @Option(help: "trait:NAME, segment:NAME, property:PATH or context:PATH.") var breakdown: String?
        @Option(help: "Conversion per day, week or month of entry.") var trend: String?
        @Option(help: "The zone of the dates, in minutes from UTC (480 for China).") var utcOffsetMinutes = 0
        @Option(help: "csv or json.") var format = "csv"

        func run() async throws {
            guard format == "csv" || format == "json" else { throw ValidationError("--format is csv or json") }
            var o: [String: JSONValue] = [
                "steps": .array(steps.map { .string($0) }), "window_days": .number(Double(windowDays)),
                "order": .string(order), "utc_offset_minutes": .number(Double(utcOffsetMinutes)),
            ]
            if let from { o["from"] = .string(from) }
            if let to { o["to"] = .string(to) }
            if let breakdown { o["breakdown"] = .string(breakdown) }
            if let trend { o["trend"] = .string(trend) }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let spec = try ReportRequests.funnelSpec(o, now: engine.clock.nowMillis())
                let (report, _) = try await engine.funnelReport(workspaceId: ws, spec)
                if format == "json" {
                    print(String(decoding: JSONValue.object(ReportRequests.json(report)).serialized(), as: UTF8.self))
                    return
                }
                print("step,label,count,conversion,step_conversion,dropped_after,median_seconds")
                for (k, s) in report.steps.enumerated() {
                    print("\(k + 1),\(RFMCommand.csvField(s.label)),\(s.count),\(s.conversion),\(s.stepConversion),"
                          + "\(s.droppedAfter),\(s.medianSeconds.map { String($0) } ?? "")")
                }
                if !report.groups.isEmpty {
                    print("\ngroup," + report.steps.indices.map { "step_\($0 + 1)" }.joined(separator: ",") + ",conversion")
                    for g in report.groups {
                        print(RFMCommand.csvField(g.label) + "," + g.counts.map(String.init).joined(separator: ",") + ",\(g.conversion)")
                    }
                }
                if !report.trend.isEmpty {
                    print("\nperiod_start,entered,converted,conversion")
                    for t in report.trend {
                        print("\(String(Timestamp.formatISO8601(t.day * Timestamp.millisPerDay).prefix(10))),\(t.entered),\(t.converted),\(t.conversion)")
                    }
                }
            }
        }
    }

    struct RetentionCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retention",
            abstract: "Cohorts by their first cohort event, counted in each later period they did the return event.")
        @OptionGroup var options: DataOptions
        @Option(help: "The cohort event (default: the first event of any kind).") var cohortEvent: String?
        @Option(help: "The return event (default: the cohort event).") var returnEvent: String?
        @Option(help: "day, week or month.") var period = "week"
        @Option(help: "How many periods after the cohort's.") var periods = 8
        @Option(help: "bounded (in that period) or unbounded (in it or later).") var mode = "bounded"
        @Option(help: "Only the members of this segment.") var segment: String?
        @Option(help: "A matrix per group too: trait:NAME or segment:NAME.") var breakdown: String?
        @Option(help: "The zone of the periods, in minutes from UTC (480 for China).") var utcOffsetMinutes = 0
        @Option(help: "csv or json.") var format = "csv"

        func run() async throws {
            guard format == "csv" || format == "json" else { throw ValidationError("--format is csv or json") }
            var o: [String: JSONValue] = [
                "period": .string(period), "periods": .number(Double(periods)), "mode": .string(mode),
                "utc_offset_minutes": .number(Double(utcOffsetMinutes)),
            ]
            if let cohortEvent { o["cohort_event"] = .string(cohortEvent) }
            if let returnEvent { o["return_event"] = .string(returnEvent) }
            if let segment { o["segment"] = .string(segment) }
            if let breakdown { o["breakdown"] = .string(breakdown) }
            guard cohortEvent != nil || returnEvent != nil else {
                throw ValidationError("give --return-event (or --cohort-event, which then is both)")
            }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let (m, groups) = try await engine.retentionReports(workspaceId: ws, try ReportRequests.retentionSpec(o))
                if format == "json" {
                    print(String(decoding: ReportRequests.json(m, groups: groups).serialized(), as: UTF8.self))
                    return
                }
                let heads = (0...periods).map { "\(m.period.rawValue)_\($0)" }.joined(separator: ",")
                print((breakdown == nil ? "" : "group,") + "cohort_start,size," + heads)
                if breakdown == nil {
                    print(ReportRequests.csvLines(m), terminator: "")
                } else {
                    print(ReportRequests.csvLines(m, group: "(all)") + groups.map { ReportRequests.csvLines($0.matrix, group: $0.label) }.joined(),
                          terminator: "")
                }
            }
        }
    }
}

extension Report {
    struct PathsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paths",
            abstract: "Where profiles went after (or came from before) their first anchor event: flows and top paths.")
        @OptionGroup var options: DataOptions
        @Option(help: "The anchor event (event form, as a funnel step).") var anchor: String
        @Option(help: "after or before.") var direction = "after"
        @Option(help: "Events to follow (1–10).") var steps = 4
        @Option(help: "The first day an anchor counts (YYYY-MM-DD); default 30 days before --to.") var from: String?
        @Option(help: "The last day an anchor counts (YYYY-MM-DD); default now.") var to: String?
        @Option(help: "csv (the flows) or json.") var format = "csv"

        func run() async throws {
            guard format == "csv" || format == "json" else { throw ValidationError("--format is csv or json") }
            var o: [String: JSONValue] = ["anchor": .string(anchor), "direction": .string(direction),
                                          "steps": .number(Double(steps))]
            if let from { o["from"] = .string(from) }
            if let to { o["to"] = .string(to) }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let report = try await engine.pathReport(workspaceId: ws, try ReportRequests.pathSpec(o, now: engine.clock.nowMillis()))
                if format == "json" {
                    print(String(decoding: ReportRequests.json(report).serialized(), as: UTF8.self))
                    return
                }
                print("depth,from,to,profiles")
                for l in report.links {
                    print("\(l.depth),\(RFMCommand.csvField(l.from)),\(RFMCommand.csvField(l.to)),\(l.count)")
                }
            }
        }
    }
}

extension Report {
    struct AARRRCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "aarrr",
            abstract: "Acquisition, activation, retention, revenue and referral per period.",
            discussion: """
                The definitions are in docs/insights.md. For example, the last 12 weeks in China's zone:
                  rapport report aarrr --period week --periods 12 --utc-offset-minutes 480
                """)
        @OptionGroup var options: DataOptions
        @Option(help: "day, week or month.") var period = "week"
        @Option(help: "How many periods, ending with the one holding --end.") var periods = 12
        @Option(help: "A day in the last period (YYYY-MM-DD); default today.") var end: String?
        @Option(help: "The zone of the periods, in minutes from UTC (480 for China).") var utcOffsetMinutes = 0
        @Option(name: .customLong("acquisition"), help: "An acquisition dimension: channel, property:PATH or context:PATH (repeat).")
        var acquisition: [String] = []
        @Option(help: "The activation event (event form); an empty text for none.") var activationEvent: String?
        @Option(help: "Days after the first event in which activation (and a referral) counts.") var activationDays = 7
        @Option(help: "The return event of D1/D7/D30 (default: any event).") var returnEvent: String?
        @Option(help: "The purchase event (default: the RFM model's, else Order Completed).") var purchaseEvent: String?
        @Option(help: "The purchase amount property (default: the RFM model's, else revenue).") var amountProperty: String?
        @Option(name: .customLong("invite-event"), help: "An invite event (repeat; default Invite Sent and Referral Sent).")
        var inviteEvents: [String] = []
        @Option(help: "What a referred new profile does (event form).") var referredEvent: String?
        @Option(help: "csv or json.") var format = "csv"

        func run() async throws {
            guard format == "csv" || format == "json" else { throw ValidationError("--format is csv or json") }
            var o: [String: JSONValue] = [
                "period": .string(period), "periods": .number(Double(periods)),
                "utc_offset_minutes": .number(Double(utcOffsetMinutes)), "activation_days": .number(Double(activationDays)),
            ]
            if let end { o["end"] = .string(end) }
            if !acquisition.isEmpty { o["acquisition"] = .array(acquisition.map { .string($0) }) }
            if let activationEvent { o["activation_event"] = activationEvent.isEmpty ? .null : .string(activationEvent) }
            if let returnEvent { o["return_event"] = .string(returnEvent) }
            if let purchaseEvent { o["purchase_event"] = .string(purchaseEvent) }
            if let amountProperty { o["amount_property"] = .string(amountProperty) }
            if !inviteEvents.isEmpty { o["invite_events"] = .array(inviteEvents.map { .string($0) }) }
            if let referredEvent { o["referred_event"] = .string(referredEvent) }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let report = try await engine.aarrrReport(workspaceId: ws, try ReportRequests.aarrrSpec(o))
                if format == "json" {
                    print(String(decoding: ReportRequests.json(report).serialized(), as: UTF8.self))
                } else {
                    print(ReportRequests.csv(report), terminator: "")
                }
            }
        }
    }
}

extension Report {
    struct BasketReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "basket",
            abstract: "Items bought together in the workspace's orders: association rules (FP-growth).",
            discussion: """
                Each purchase event's products are a basket (the item is each product's --item-key). Prints a CSV \
                line per rule "customers who bought A also bought B" by descending lift; `rapport basket` does the \
                same for a CSV file of order lines.
                """)
        @OptionGroup var options: DataOptions
        @Option(help: "The purchase event (default: the RFM model's, else Order Completed).") var purchaseEvent: String?
        @Option(help: "The member of each product that names the item.") var itemKey = "product_id"
        @Option(help: "The first day of orders (YYYY-MM-DD); default all.") var from: String?
        @Option(help: "The last day of orders (YYYY-MM-DD); default all.") var to: String?
        @Option(help: "The least share of orders an itemset is in (0–1).") var minSupport = 0.01
        @Option(help: "The least confidence of a rule (0–1).") var minConfidence = 0.1
        @Option(help: "The most items in an itemset (2–6).") var maxLength = 3
        @Option(help: "The most rules and itemsets.") var limit = 100
        @Option(help: "csv or json.") var format = "csv"

        func run() async throws {
            guard format == "csv" || format == "json" else { throw ValidationError("--format is csv or json") }
            var o: [String: JSONValue] = [
                "item_key": .string(itemKey), "min_support": .number(minSupport), "min_confidence": .number(minConfidence),
                "max_length": .number(Double(maxLength)), "limit": .number(Double(limit)),
            ]
            if let purchaseEvent { o["purchase_event"] = .string(purchaseEvent) }
            if let from { o["from"] = .string(from) }
            if let to { o["to"] = .string(to) }
            try await AudienceCLI.withAudience(options) { engine, ws in
                let report = try await engine.basketReport(workspaceId: ws, try ReportRequests.basketSpec(o))
                if format == "json" {
                    print(String(decoding: ReportRequests.json(report).serialized(), as: UTF8.self))
                } else {
                    print(ReportRequests.csv(report), terminator: "")
                }
            }
        }
    }
}
