import Dispatch
import Foundation
import Synchronization

/// Work spread over the machine's cores, for the columnar evaluator: each
/// item is taken by the next free worker, costliest first; the call returns
/// when every item is done.
public enum Parallel {
    /// The workers to use.
    public static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `body` applied to every item, results in the items' order. `cost`
    /// orders the items (the costliest start first, so none is left alone at the end).
    public static func map<T: Sendable, R: Sendable>(_ items: [T], cost: (T) -> Int, _ body: @Sendable (T) -> R) -> [R] {
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

extension Parallel {
    /// `0 ..< count` cut into about `2 × workers` ranges of at least
    /// `minimum` (one range when the work is too small to share).
    public static func ranges(_ count: Int, minimum: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let pieces = max(1, min(workers * 2, count / max(minimum, 1)))
        let size = (count + pieces - 1) / pieces
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }
}
