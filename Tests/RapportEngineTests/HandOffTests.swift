import Synchronization
import Testing

@testable import RapportEngine

/// How many sends returned, shared with a child task.
final class SentCount: Sendable {
    let value = Atomic<Int>(0)
}

@Suite struct HandOffTests {
    @Test func elementsArriveInOrderAndTheQueueEndsAfterClose() async throws {
        let queue = HandOff<Int>(capacity: 2)
        let received = await withTaskGroup(of: [Int].self) { group in
            group.addTask {
                var out: [Int] = []
                while let n = await queue.receive() { out.append(n) }
                return out
            }
            for n in 0..<1_000 { #expect(await queue.send(n)) }
            queue.close()
            return await group.next() ?? []
        }
        #expect(received == Array(0..<1_000))
    }

    @Test func aSenderWaitsWhileTheQueueIsFull() async throws {
        let queue = HandOff<Int>(capacity: 2)
        let sent = SentCount()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 0..<3 {
                    _ = await queue.send(n)
                    sent.value.add(1, ordering: .relaxed)
                }
            }
            // Two fit; the third waits until one is taken.
            let deadline = ContinuousClock.now + .seconds(5)
            while sent.value.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(50))
            #expect(sent.value.load(ordering: .relaxed) == 2)
            #expect(await queue.receive() == 0)
            await group.waitForAll()
            #expect(sent.value.load(ordering: .relaxed) == 3)
            #expect(await queue.receive() == 1)
            #expect(await queue.receive() == 2)
        }
    }

    @Test func closingReleasesAWaitingSenderAndRefusesLaterOnes() async throws {
        let queue = HandOff<Int>(capacity: 1)
        #expect(await queue.send(1))
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await queue.send(2) }
            try? await Task.sleep(for: .milliseconds(50))
            queue.close()
            #expect(await group.next() == false, "the waiting sender is released, its element not queued")
        }
        #expect(await queue.send(3) == false)
        #expect(await queue.receive() == 1, "what was queued before the close is still received")
        #expect(await queue.receive() == nil)
    }

    @Test func aWaitingReceiverGetsTheNextElementOrTheEnd() async throws {
        let queue = HandOff<String>(capacity: 1)
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await queue.receive() }
            try? await Task.sleep(for: .milliseconds(20))
            #expect(await queue.send("上海"))
            #expect(await group.next() == .some("上海"))
            group.addTask { await queue.receive() }
            try? await Task.sleep(for: .milliseconds(20))
            queue.close()
            #expect(await group.next() == .some(nil))
        }
    }
}
