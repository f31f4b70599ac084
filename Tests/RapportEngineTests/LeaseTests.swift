import Foundation
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

@Suite struct LeaseTests {
    @Test func aCommandsHoldOnTheProjectionIsShortAndExclusive() async throws {
        let now: Int64 = 1_750_000_000_000
        let (engine, _, _) = try await makeEngine(now: now)
        #expect(try await engine.beginLocalProjection())
        // A server cannot take the projection while the command holds it…
        #expect(try await !engine.store.acquireLease(name: ProjectionService.leaseName, owner: "server",
                                                     now: now + 1, until: now + 10_000))
        // …but can once the command stopped renewing (it died) for longer than the lease.
        #expect(try await engine.store.acquireLease(name: ProjectionService.leaseName, owner: "server",
                                                    now: now + Engine.localLeaseMillis + 1, until: now + 99_000))
        // The command notices before it writes projection state again.
        await #expect(throws: RapportError.self) { try await engine.endLocalProjection() }
        // A second command finds the server holding it.
        #expect(try await !engine.beginLocalProjection())
    }
}
