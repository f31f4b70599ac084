import RapportAudience
import Testing

@testable import RapportInsights

@Suite struct PathReportTests {
    @Test func flowsAddUpStepByStep() throws {
        let paths = ProfilePaths(anchored: 6, paths: [
            ["Search", "View", "Buy"], ["Search", "View"], ["View", "Buy", "Search"], ["Search", "View", "Buy"], [], ["Share"],
        ])
        let r = PathReport(paths, anchor: "Open", steps: 3, maxNames: 2)
        #expect(r.anchored == 6)
        // Out of the anchor: every anchored profile once.
        let outOfAnchor = r.links.filter { $0.depth == 0 }.reduce(0) { $0 + $1.count }
        #expect(outOfAnchor == 6)
        // Into each node at a depth as much as out of it at the next (ended paths stop).
        for d in 0..<2 {
            var into: [String: Int] = [:], out: [String: Int] = [:]
            for l in r.links where l.depth == d && l.to != PathReport.end { into[l.to, default: 0] += l.count }
            for l in r.links where l.depth == d + 1 { out[l.from, default: 0] += l.count }
            #expect(into == out)
        }
        // Two names kept at step 1 (Search 3, View 1 / Share 1 tie: Share by name), the rest as other; (end) stays.
        let nextNames: [String] = r.next.map { $0.name }
        #expect(nextNames == ["Search", PathReport.end, "Share", "View"])
        #expect(r.links.contains { $0.depth == 0 && $0.to == PathReport.other && $0.count == 1 })
        #expect(r.top.first == PathReport.Path(steps: ["Search", "View", "Buy"], count: 2))
    }
}
