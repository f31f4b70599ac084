/// What data set ``DemoGenerator`` makes: how many people, over how long, from
/// which seed.
///
/// The same configuration always gives the same bytes (on the same platform).
public struct DemoConfig: Sendable, Hashable {
    /// How many simulated people (customers and visitors). Clamped to
    /// `0...DemoConfig.maximumCustomers`.
    public var customers: Int
    /// The length of the history in days, ending at ``endMillis``. Clamped to
    /// `1...3650`. Lifecycle stages that need a long history (churned, won back)
    /// only appear when it is long enough (about 100 and 150 days).
    public var days: Int
    /// The seed of every random choice.
    public var seed: UInt64
    /// The "now" of the data set, in milliseconds since 1970: every message's
    /// timestamp is before it.
    public var endMillis: Int64
    /// A multiplier on browsing activity: `1.0` gives about 50 messages per
    /// person on average, `0.5` about 30, `2.0` about 90. Clamped to `0.05...20`.
    public var activity: Double

    /// The largest supported ``customers``.
    public static let maximumCustomers = 50_000_000

    /// 2026-01-01T00:00:00Z: the default end of the history.
    public static let defaultEndMillis: Int64 = 1_767_225_600_000

    public init(
        customers: Int = 1000, days: Int = 180, seed: UInt64 = 1,
        endMillis: Int64 = DemoConfig.defaultEndMillis, activity: Double = 1.0
    ) {
        self.customers = customers
        self.days = days
        self.seed = seed
        self.endMillis = endMillis
        self.activity = activity
    }

    /// The configuration with every field brought into its supported range.
    var normalized: DemoConfig {
        var c = self
        c.customers = min(max(0, customers), Self.maximumCustomers)
        c.days = min(max(1, days), 3650)
        c.activity = activity.isFinite ? min(max(0.05, activity), 20) : 1
        // Keep the whole history between 1970 and 9999 so timestamps stay 4-digit years.
        let span = Int64(c.days) * 86_400_000
        c.endMillis = min(max(endMillis, span + 86_400_000), 253_402_214_400_000)
        return c
    }
}
