import ArgumentParser
import Foundation
import RapportAudience
import RapportCore

/// `rapport cluster`: k-means over the RFM figures of a transactions file, without a data directory.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "k-means clusters of the customers of a transactions file, by recency, frequency and spend.",
        discussion: """
            Reads the file as `rapport rfm` does, takes each customer's recency (days since the last \
            purchase), frequency (distinct purchase days) and monetary value (total amount), transforms them \
            (default: log recency, log frequency, log(1 + monetary); a log of less than 1 is taken at 1), \
            standardises each to mean 0 and deviation 1, and runs k-means (k-means++ seeds, --restarts runs \
            from --seed, the least inertia wins). Prints one CSV line per customer with its cluster; on \
            standard error, the inertia and each cluster's size and centroid in the figures' own units.
            """)

    @Option(help: "The transactions file.") var transactions: String
    @Option(help: "cdnow or csv.") var format = "csv"
    @Option(help: "For csv: column mapping customer=Header,date=Header,amount=Header.") var map: String?
    @Option(help: "The day the figures are as of (YYYY-MM-DD). Default: today (UTC).") var asOf: String?
    @Option(name: .customLong("k"), help: "The number of clusters.") var k = 5
    @Option(help: "Runs from different seeds; the best is kept.") var restarts = 10
    @Option(help: "The random seed (the same seed gives the same clusters).") var seed: UInt64 = 0
    @Option(help: "Transforms of recency, frequency and monetary: none, log or log1p each, comma-separated.")
    var transform = "log,log,log1p"
    @Flag(help: "Do not standardise the figures.") var raw = false
    @Option(help: "Write the CSV here instead of standard output.") var out: String?

    func run() async throws {
        let transforms = try transform.split(separator: ",").map { part in
            guard let t = KMeans.Transform(rawValue: part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--transform takes three of none, log, log1p, not \"\(part)\"")
            }
            return t
        }
        guard transforms.count == 3 else { throw ValidationError("--transform takes three transforms, one per figure") }
        let asOfDay = try RFMCommand.asOfDay(asOf)
        var rejected = Rejections()
        let output = try await RFMCommand.compute(transactions: transactions, format: format, map: map, asOfDay: asOfDay,
                                                  rejected: &rejected)
        let rows = output.rows
        guard !rows.isEmpty else { throw ValidationError("\(transactions) has no purchase on or before the as-of day") }
        let columns = [rows.map { Double($0.recencyDays) }, rows.map { Double($0.frequency) },
                       rows.map { Double($0.monetaryCents) / 100 }]
        let prepared = KMeans.prepare(columns, transforms: transforms, standardise: !raw)
        let result: KMeans.Result
        do {
            result = try KMeans(k: k, restarts: restarts, seed: seed).fit(prepared.points, dimensions: 3)
        } catch {
            throw ValidationError(error.message)
        }
        var text = "customer,cluster,recency_days,frequency,monetary\n"
        for (i, r) in rows.enumerated() where i < result.labels.count {
            text += "\(RFMCommand.csvField(r.customer)),\(result.labels[i]),\(r.recencyDays),\(r.frequency),"  // trap-ok: checked
            text += RFMCommand.amount(r.monetaryCents) + "\n"
        }
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
                throw ValidationError("cannot write \(out)")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        var summary = "\(rows.count) customers, \(k) clusters, inertia \(result.inertia) after \(result.iterations) iterations\n"
        for (c, centre) in result.centroids.enumerated() {
            // Back in the figures' units: undo the standardising, then the transform.
            let figures = centre.enumerated().map { j, x -> Double in
                let v = x * prepared.deviations[j] + prepared.means[j]  // trap-ok: one per column
                switch transforms[j] {  // trap-ok: three transforms
                case .none: return v
                case .log: return exp(v)
                case .log1p: return expm1(v)
                }
            }
            let size = c < result.sizes.count ? result.sizes[c] : 0  // trap-ok: checked
            summary += String(format: "cluster %d: %d customers, recency %.1f days, frequency %.2f, monetary %.2f\n",
                              c, size, figures[0], figures[1], figures[2])  // trap-ok: three figures
        }
        FileHandle.standardError.write(Data(summary.utf8))
        rejected.report(file: transactions)
    }
}
