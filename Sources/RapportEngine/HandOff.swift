import Synchronization

/// A bounded first-in, first-out queue from producers to one consumer.
///
/// ``send(_:)`` waits while ``capacity`` elements are queued, so a producer
/// that runs ahead of its consumer is held back instead of filling memory;
/// ``receive()`` waits for the next element. ``close()`` ends the queue:
/// waiting senders are released (their element is not queued), and the
/// consumer receives what is left, then `nil`.
///
/// The local projection uses it to let the log's writer run ahead of the
/// projector by a few batches: each stage works at its own pace rather than
/// in lockstep. The pipeline benchmark uses it to decode a few groups ahead
/// of the append, as request handlers do in the server.
public final class HandOff<Element: Sendable>: Sendable {
    struct State {
        var items: [Element] = []
        var head = 0
        var closed = false
        var senders: [(Element, CheckedContinuation<Bool, Never>)] = []
        var receiver: CheckedContinuation<Element?, Never>?

        var count: Int { items.count - head }

        mutating func popFirst() -> Element? {
            guard head < items.count else { return nil }
            let e = items[head]  // trap-ok: head < count
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            return e
        }
    }

    /// What `send` does once it has looked at the state.
    enum SendAction {
        case resumeReceiver(CheckedContinuation<Element?, Never>), queued, refused, wait
    }

    /// How many elements may wait in the queue.
    public let capacity: Int
    let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `element`, waiting while the queue is full. Returns `false`,
    /// without queuing it, if the queue is or gets closed.
    public func send(_ element: Element) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let action = state.withLock { s -> SendAction in
                if s.closed { return .refused }
                if let receiver = s.receiver {
                    s.receiver = nil
                    return .resumeReceiver(receiver)
                }
                if s.count < capacity {
                    s.items.append(element)
                    return .queued
                }
                s.senders.append((element, continuation))
                return .wait
            }
            switch action {
            case .resumeReceiver(let receiver):
                receiver.resume(returning: element)
                continuation.resume(returning: true)
            case .queued: continuation.resume(returning: true)
            case .refused: continuation.resume(returning: false)
            case .wait: break
            }
        }
    }

    /// The next element, waiting for one; `nil` once the queue is closed and
    /// empty.
    public func receive() async -> Element? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            let (element, released, ended) = state.withLock { s -> (Element?, CheckedContinuation<Bool, Never>?, Bool) in
                if let e = s.popFirst() {
                    // Room for the first waiting sender.
                    if !s.senders.isEmpty {
                        let (waiting, sender) = s.senders.removeFirst()
                        s.items.append(waiting)
                        return (e, sender, false)
                    }
                    return (e, nil, false)
                }
                if s.closed { return (nil, nil, true) }
                s.receiver = continuation
                return (nil, nil, false)
            }
            released?.resume(returning: true)
            if let element {
                continuation.resume(returning: element)
            } else if ended {
                continuation.resume(returning: nil)
            }
        }
    }

    /// Ends the queue: senders waiting now or later get `false`; the
    /// consumer gets what is queued, then `nil`.
    public func close() {
        let (senders, receiver) = state.withLock { s -> ([CheckedContinuation<Bool, Never>], CheckedContinuation<Element?, Never>?) in
            s.closed = true
            let waiting = s.senders.map(\.1)
            s.senders.removeAll()
            let r = s.receiver
            s.receiver = nil
            return (waiting, r)
        }
        for s in senders { s.resume(returning: false) }
        receiver?.resume(returning: nil)
    }
}
