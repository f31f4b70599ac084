import Dispatch
import Foundation
import Synchronization

/// Work spread over the machine's cores, for the columnar evaluator: each
/// item is taken by the next free worker, costliest first; the call returns
/// when every item is done.
enum Parallel {
    /// The workers to use.
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `body` applied to every item, results in the items' order. `cost`
    /// orders the items (the costliest start first, so none is left alone at the end).
    static func map<T: Sendable, R: Sendable>(_ items: [T], cost: (T) -> Int, _ body: @Sendable (T) -> R) -> [R] {
        guard items.count > 1, workers > 1 else { return items.map(body) }
        let order = items.indices.sorted { cost(items[$0]) > cost(items[$1]) }  // trap-ok: indices
        let next = Atomic<Int>(0)
        let results = Mutex<[R?]>(Array(repeating: nil, count: items.count))
        DispatchQueue.concurrentPerform(iterations: min(workers, items.count)) { _ in
            while true {
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < order.count else { return }
                let i = order[k]  // trap-ok: k < order.count
                let r = body(items[i])  // trap-ok: indices of items
                results.withLock { $0[i] = r }  // trap-ok: as above
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
