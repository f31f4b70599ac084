import Foundation
import RapportDemo

/// Demo messages (seeded) grouped into 100-message batch bodies, as the HTTP
/// load generator sends them.
public struct Workload: Sendable {
    public let bodies: [[UInt8]]
    public let messages: Int

    public static func demo(customers: Int) -> Workload {
        var bodies: [[UInt8]] = []
        var current: [UInt8] = Array(#"{"batch":["#.utf8)
        var inBatch = 0
        var total = 0
        DemoGenerator(config: DemoConfig(customers: customers, days: 180, seed: 7)).generate { m in
            if inBatch > 0 { current.append(UInt8(ascii: ",")) }
            current.append(contentsOf: m.json)
            inBatch += 1
            total += 1
            if inBatch == 100 {
                current.append(contentsOf: Array("]}".utf8))
                bodies.append(current)
                current = Array(#"{"batch":["#.utf8)
                inBatch = 0
            }
        }
        if inBatch > 0 {
            current.append(contentsOf: Array("]}".utf8))
            bodies.append(current)
        }
        return Workload(bodies: bodies, messages: total)
    }
}

public func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "rapport-bench-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
