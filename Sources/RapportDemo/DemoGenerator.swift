/// A seeded, deterministic generator of a realistic platform business — a
/// Chinese and international e-commerce and content platform, "悦购 Yuego" —
/// as Segment-spec messages from five channels.
///
/// People are acquired over the history through web campaigns, app installs,
/// the WeChat mini-program, offline stores and CRM imports; they browse,
/// search, fill carts, check out (or drop out), pay, get refunds, sign up and
/// refer friends. Many use several channels, with the same e-mail, phone or
/// WeChat union id, so identity resolution has real merges to make. Each
/// person is given a lifecycle stage (``DemoLifecycle``) that holds at the end
/// of the history.
///
/// ```swift
/// let generator = DemoGenerator(config: DemoConfig(customers: 10_000, seed: 7))
/// try generator.generate { message in
///     try ingest(message.source, message.json)
/// }
/// ```
///
/// ## Order and memory
///
/// Messages come out in non-decreasing timestamp order over the whole data set.
/// The generator first plans every person's sessions (16 bytes each, about
/// eight per person) and sorts them by start time; then it writes each
/// session's messages when its turn comes and holds them in a small heap until
/// no later-starting session can precede them. Memory is about 200 bytes per
/// person (≈ 200 MB for a million people), whatever the message count.
///
/// ## Junk and oddities
///
/// Like real feeds, the data holds values identity resolution must block or
/// normalise: `userId: "null"` from a buggy web client, `phone: "0"` from store
/// tills, an empty CRM e-mail; and valid-but-odd forms: store timestamps with a
/// `+08:00` offset, `revenue` as a string (`"199.00"`), upper-case e-mails with
/// stray spaces, phones as `+86 138 1234 5678` or `+86-138-1234-5678`, gender
/// as `女`/`男`, birthdays as `1990/05/12`, search queries with quotes,
/// backslashes, a newline, emoji or nothing at all.
///
/// ## Determinism
///
/// Every choice comes from SplitMix64 streams derived from ``DemoConfig/seed``
/// and the person's index, and only basic arithmetic is used, so a
/// configuration always produces the same bytes.
public struct DemoGenerator: Sendable {
    /// The channels, as ``DemoMessage/source`` names them.
    public static let sources: [String] = DemoSource.names

    /// The configuration, with every field in its supported range.
    public var config: DemoConfig { world.config }

    /// The products the platform sells (about 200, fixed for every seed).
    public var catalogue: [Product] { world.catalogue.products }

    let world: DemoWorld

    public init(config: DemoConfig) {
        world = DemoWorld(config: config)
    }

    /// The lifecycle stage person `customer` (`0..<customers`) is given.
    public func lifecycle(ofCustomer customer: Int) -> DemoLifecycle? {
        guard customer >= 0, customer < world.config.customers else { return nil }
        return world.profile(customer).lifecycle
    }

    /// Generates every message, in non-decreasing timestamp order, handing each
    /// to `emit`. Stops at the first error `emit` throws.
    public func generate(_ emit: (DemoMessage) throws -> Void) rethrows {
        let count = world.config.customers
        var plans: [SessionPlan] = []
        plans.reserveCapacity(count * 9)
        var profiles: [CustomerProfile] = []
        profiles.reserveCapacity(count)
        var planner = DemoPlanner(world: world)
        for customer in 0..<count {
            let profile = world.profile(customer)
            profiles.append(profile)
            planner.plan(customer: customer, profile: profile, into: &plans)
        }
        plans.sort { $0.key < $1.key }

        var writer = SessionWriter(world: world)
        var heap = MessageHeap()
        for plan in plans {
            let start = world.startMillis + Int64(plan.second) * 1000
            while let earliest = heap.minTimestamp, earliest <= start, let message = heap.popMin() {
                try emit(message)
            }
            guard Int(plan.customer) < profiles.count else { continue }
            writer.write(plan, profile: profiles[Int(plan.customer)])
            while let message = writer.out.popLast() { heap.push(message) }
        }
        while let message = heap.popMin() {
            try emit(message)
        }
    }
}
