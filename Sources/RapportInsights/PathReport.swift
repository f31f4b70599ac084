import RapportAudience

/// Paths from an anchor event, for a flow (Sankey) chart: the flows between
/// consecutive steps, the next-step distribution, and the most frequent
/// whole paths.
public struct PathReport: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        /// Between step `depth` and `depth + 1` (step 0 is the anchor).
        public var depth: Int
        public var from: String
        public var to: String
        public var count: Int
    }

    public struct Path: Sendable, Equatable {
        public var steps: [String]
        public var count: Int
    }

    /// Profiles with an anchor in the range.
    public var anchored: Int
    public var links: [Link]
    /// The first step's events by how many went there ("(end)": none followed).
    public var next: [(name: String, count: Int)]
    public var top: [Path]

    public static let end = "(end)"
    public static let other = "(other)"

    public static func == (a: PathReport, b: PathReport) -> Bool {
        a.anchored == b.anchored && a.links == b.links && a.top == b.top
            && a.next.map(\.name) == b.next.map(\.name) && a.next.map(\.count) == b.next.map(\.count)
    }

    /// The report of the profiles' paths from `anchor` (its label), keeping
    /// at each step the `maxNames` most frequent names (the rest as "(other)").
    public init(_ paths: ProfilePaths, anchor: String, steps: Int, maxNames: Int = 8, maxPaths: Int = 20) {
        anchored = paths.anchored
        // The names kept at each depth.
        var byDepth: [[String: Int]] = Array(repeating: [:], count: max(steps, 0) + 1)
        for p in paths.paths {
            for d in 0..<steps { byDepth[d + 1][d < p.count ? p[d] : Self.end, default: 0] += 1 }  // trap-ok: d + 1 ≤ steps
        }
        let kept = byDepth.map { counts in
            Set(counts.filter { $0.key != Self.end }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .prefix(max(1, maxNames)).map(\.key))
        }
        func label(_ name: String, _ depth: Int) -> String {
            name == Self.end || (depth < kept.count && kept[depth].contains(name)) ? name : Self.other  // trap-ok: checked
        }
        var linkCounts: [String: Link] = [:]
        var whole: [[String]: Int] = [:]
        for p in paths.paths {
            var previous = anchor
            var labels: [String] = []
            for d in 0..<steps {
                let here = d < p.count ? label(p[d], d + 1) : Self.end  // trap-ok: checked
                let key = "\(d)\u{1}\(previous)\u{1}\(here)"
                linkCounts[key, default: Link(depth: d, from: previous, to: here, count: 0)].count += 1
                labels.append(here)
                if here == Self.end { break }
                previous = here
            }
            whole[Array(p.prefix(steps)), default: 0] += 1
        }
        links = linkCounts.values.sorted { ($0.depth, $1.count, $0.from, $0.to) < ($1.depth, $0.count, $1.from, $1.to) }
        next = (byDepth.count > 1 ? byDepth[1] : [:]).sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }  // trap-ok: checked
        top = whole.sorted { ($0.value, $1.key.joined(separator: "\u{1}")) > ($1.value, $0.key.joined(separator: "\u{1}")) }
            .prefix(max(0, maxPaths)).map { Path(steps: $0.key, count: $0.value) }
    }
}
