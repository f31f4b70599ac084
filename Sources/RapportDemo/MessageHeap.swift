/// A binary min-heap of messages by timestamp: holds the messages of sessions
/// that have started but not yet been emitted, so the generator can hand out
/// messages in time order while sessions overlap.
///
/// The heap orders small keys (timestamp, slot) and parks the messages in
/// slots, so sifting never touches reference counts.
struct MessageHeap {
    private struct Key {
        var timestamp: Int64
        var slot: Int
    }

    private var keys: [Key] = []
    private var slots: [DemoMessage?] = []
    private var free: [Int] = []

    init() {
        keys.reserveCapacity(4096)
        slots.reserveCapacity(4096)
        free.reserveCapacity(4096)
    }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    /// The earliest timestamp held, if any.
    var minTimestamp: Int64? { keys.first?.timestamp }

    mutating func push(_ message: consuming DemoMessage) {
        let timestamp = message.timestamp
        let slot: Int
        if let reused = free.popLast(), reused < slots.count {
            slot = reused
            slots[slot] = message
        } else {
            slot = slots.count
            slots.append(message)
        }
        keys.append(Key(timestamp: timestamp, slot: slot))
        var child = keys.count - 1
        let key = keys[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard key.timestamp < keys[parent].timestamp else { break }  // trap-ok: 0 <= parent < child < count
            keys[child] = keys[parent]
            child = parent
        }
        keys[child] = key
    }

    mutating func popMin() -> DemoMessage? {
        guard let top = keys.first else { return nil }
        let last = keys.removeLast()
        let count = keys.count
        if count > 0 {
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                let right = left + 1
                var smallest = left
                if right < count && keys[right].timestamp < keys[left].timestamp { smallest = right }  // trap-ok: right < count
                guard keys[smallest].timestamp < last.timestamp else { break }  // trap-ok: smallest < count
                keys[parent] = keys[smallest]
                parent = smallest
            }
            keys[parent] = last
        }
        guard top.slot < slots.count else { return nil }
        free.append(top.slot)
        return slots[top.slot].take()
    }
}
