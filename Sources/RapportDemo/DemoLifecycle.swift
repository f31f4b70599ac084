/// The lifecycle pattern a simulated person is given, judged at the data
/// set's end (`now`). Activity means any message except CRM syncs.
public enum DemoLifecycle: String, Sendable, Hashable, CaseIterable {
    /// Visits without ever identifying or buying.
    case anonymous
    /// Identified (signed up, or known to the CRM) but never bought.
    case potential
    /// First purchase within the last 14 days.
    case new
    /// Bought 2–4 times, the first more than 14 days ago, the last within 30
    /// days, never 90 days between two orders.
    case active
    /// Bought 5 times or more, the last within 30 days, never 90 days between
    /// two orders.
    case loyal
    /// Bought before; last activity 30–90 days ago.
    case atRisk = "at_risk"
    /// Bought before; last activity more than 90 days ago.
    case churned
    /// Bought, then nothing for more than 90 days, then bought again within the
    /// last 30 days.
    case wonBack = "won_back"
}
