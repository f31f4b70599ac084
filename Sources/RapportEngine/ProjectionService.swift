import Foundation
import Logging
import RapportCore
import RapportStore
import ServiceLifecycle
import Synchronization

/// Runs the profile projection: applies what the writer appends as it
/// arrives and polls the log for what other processes appended, on every
/// server sharing a store, so that each serves reads from the same state.
/// One of them holds the projection lease and writes: it flushes the state
/// with its checkpoint and announces segment, stage and churn events. The
/// others follow in memory; when the writer's lease lapses (it died, or
/// cannot reach the store), one of them takes it, reloads from the last
/// flush, and goes on from there.
public final class ProjectionService: Service, Sendable {
    public let projector: ProfileProjector
    let store: any RapportStore
    let clock: any RapportClock
    let logger: Logger
    let owner: String
    /// Flush at least this often. The log is the source of truth: a crash
    /// replays at most this much of it.
    let flushInterval: Duration
    /// Flush when this many events are applied but not flushed.
    let flushThreshold: Int
    /// How often definitions that depend on time (`within 30 days`) are
    /// evaluated again for every profile.
    let audienceInterval: Duration
    /// Pending in-memory handoff from the writer; above this size the handoff
    /// is dropped and the projection reads the log instead.
    let maxQueued = 200_000

    struct Queue {
        var events: [ProjectableEvent] = []
        var overflowed = false
    }
    let queue = Mutex(Queue())
    let signal: AsyncStream<Void>
    let signalContinuation: AsyncStream<Void>.Continuation
    let leaseHeld = Atomic<Bool>(false)
    /// A background flush is in progress.
    let flushRunning = Atomic<Bool>(false)
    /// The service is shutting down.
    let stopping = Atomic<Bool>(false)
    /// When a catch-up last renewed the lease (ms since 1970).
    let lastCatchUpRenewal = Mutex<Int64>(0)
    /// A flush found another process's checkpoint: become a follower (in the loop, not in the flush's task).
    let fenced = Atomic<Bool>(false)
    /// When the store last confirmed this process holds the lease (ms since 1970).
    let leaseConfirmed = Mutex<Int64>(0)

    public static let leaseName = "projection"

    public init(projector: ProfileProjector, store: any RapportStore, clock: any RapportClock = SystemClock(),
                flushInterval: Duration = .seconds(5), flushThreshold: Int = 500_000,
                audienceInterval: Duration = .seconds(60), logger: Logger = Logger(label: "rapport.projection")) {
        self.audienceInterval = audienceInterval
        self.projector = projector
        self.store = store
        self.clock = clock
        self.flushInterval = flushInterval
        self.flushThreshold = flushThreshold
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UInt64.random(in: 0...UInt64.max))"
        (signal, signalContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Stops the service as a graceful shutdown does: what was handed over is
    /// applied and flushed, the lease released, and `run()` returns.
    public func stop() {
        signalContinuation.finish()
    }

    /// Whether this process holds the projection lease.
    public var isLeader: Bool { leaseHeld.load(ordering: .relaxed) }

    /// The writer's real-time feed.
    public func submit(_ events: [ProjectableEvent]) {
        queue.withLock { q in
            if q.overflowed { return }
            if q.events.count + events.count > maxQueued {
                q.events.removeAll()
                q.overflowed = true
            } else {
                q.events.append(contentsOf: events)
            }
        }
        signalContinuation.yield()
    }

    public func run() async throws {
        try await projector.setPublishes(false)
        let ticker = signalContinuation
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    while !self.stopping.load(ordering: .relaxed), !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        ticker.yield()
                    }
                }
                var lastFlush = ContinuousClock.now
                var lastLease = ContinuousClock.now - .seconds(60)
                var lastAudience = ContinuousClock.now
                for await _ in signal {
                    if fenced.exchange(false, ordering: .relaxed) {
                        do { try await projector.setPublishes(false) } catch {
                            logger.error("reloading the projection failed", metadata: ["error": "\(error)"])
                        }
                    }
                    if ContinuousClock.now - lastLease >= .seconds(2) {
                        await renewLease()
                        lastLease = ContinuousClock.now
                        await applyDefinitions()
                    }
                    await step()
                    if ContinuousClock.now - lastAudience >= audienceInterval {
                        lastAudience = ContinuousClock.now
                        await projector.refreshTimeDependentAudiences()
                    }
                    guard isLeader, await projector.publishes else {
                        // A follower forgets what the writer stores; a writer that has just lost its lease
                        // does neither until the next renewal makes it a follower.
                        if await !projector.publishes { await flushLogged() }
                        continue
                    }
                    await publishSegmentEvents()
                    let pending = await projector.pendingEventCount
                    let due = ContinuousClock.now - lastFlush >= flushInterval || pending >= flushThreshold
                    // The flush writes in the background while events keep being applied.
                    if due, !flushRunning.exchange(true, ordering: .acquiringAndReleasing) {
                        lastFlush = ContinuousClock.now
                        group.addTask {
                            await self.flushLogged()
                            self.flushRunning.store(false, ordering: .releasing)
                        }
                    }
                }
                // Let a flush in progress finish rather than cancel it half-way; stop the ticker.
                self.stopping.store(true, ordering: .relaxed)
            }
        } onGracefulShutdown: {
            self.stop()
        }
        if isLeader {
            await step()
            await publishSegmentEvents()
            await flushLogged()
            try? await store.releaseLease(name: Self.leaseName, owner: owner)
        }
    }

    /// Applies what was handed over, or reads the log when the handoff
    /// overflowed or another process wrote to it.
    func step() async {
        let (events, overflowed) = queue.withLock { q -> ([ProjectableEvent], Bool) in
            let taken = (q.events, q.overflowed)
            q = Queue()
            return taken
        }
        do {
            if overflowed || events.isEmpty {
                let last = try await store.lastSeq()
                if last > (await projector.applied) {
                    // A long catch-up (a new writer behind by millions of events) keeps its lease, and
                    // stops if it loses it.
                    try await projector.catchUp(through: last) { [self] in try await self.keepLeaseDuringCatchUp() }
                }
            } else {
                try await projector.apply(events)
            }
        } catch {
            logger.error("projection step failed", metadata: ["error": "\(error)"])
        }
    }

    /// Appends the segment events the projector queued to the log and
    /// applies them; what cannot be written is queued again for the next
    /// step (nothing is lost: the projector also rebuilds them from the
    /// memberships after a restart).
    public func publishSegmentEvents() async {
        let events = await projector.takeSegmentEvents()
        if events.isEmpty { return }
        do {
            let positions = try await store.append(events)
            try await projector.apply(ProjectableEvent.stored(events, positions: positions))
        } catch {
            logger.error("writing segment events failed; will retry", metadata: ["error": "\(error)"])
            await projector.requeueSegmentEvents(events)
        }
    }

    /// Picks up definitions changed by this or another process, and rebuilds the audience index after a load.
    func applyDefinitions() async {
        do { try await projector.applyStoredDefinitionsIfChanged() } catch {
            logger.error("applying segment and trait definitions failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    func flushLogged() async {
        do { try await projector.flush() } catch let error as RapportError where error.code == .conflict {
            logger.warning("projection flush fenced off: another process writes the projection; following it",
                           metadata: ["error": "\(error.message)"])
            leaseHeld.store(false, ordering: .relaxed)
            fenced.store(true, ordering: .relaxed)
        } catch {
            logger.error("projection flush failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Renews the lease between batches of a catch-up, at most every two
    /// seconds; throws if it was lost (the next ``renewLease()`` then makes
    /// this process a follower).
    func keepLeaseDuringCatchUp() async throws {
        guard isLeader else { return }
        let now = clock.nowMillis()
        let due = lastCatchUpRenewal.withLock { last in
            if now - last < 2_000 { return false }
            last = now
            return true
        }
        guard due else { return }
        guard try await store.acquireLease(name: Self.leaseName, owner: owner, now: now, until: now + 10_000) else {
            leaseHeld.store(false, ordering: .relaxed)  // the next renewal makes this process a follower
            throw RapportError(.conflict, "the projection lease was lost during a catch-up")
        }
        leaseConfirmed.withLock { $0 = now }
    }

    func renewLease() async {
        let now = clock.nowMillis()
        do {
            let held = try await store.acquireLease(name: Self.leaseName, owner: owner, now: now, until: now + 10_000)
            leaseHeld.store(held, ordering: .relaxed)
            if held { leaseConfirmed.withLock { $0 = now } }
            // Transitions follow what the projector does, not a second flag that could disagree with it.
            let was = await projector.publishes
            if held && !was {
                // Start from what the last writer flushed; what it computed and did not write is
                // computed again (and announced) from the log.
                try await projector.setPublishes(true)
                logger.info("projection lease acquired: this process writes the projection")
            } else if !held && was {
                logger.warning("projection lease lost to another process: following it")
                try await projector.setPublishes(false)
            }
        } catch let error where isLeader {
            if await projector.publishes {
                logger.error("projection lease renewal failed", metadata: ["error": "\(error)"])
                // Past most of the lease without renewing it, another process may take it: stop writing.
                if now - leaseConfirmed.withLock({ $0 }) >= 8_000 {
                    logger.warning("projection lease not renewed in time: following")
                    leaseHeld.store(false, ordering: .relaxed)
                    try? await projector.setPublishes(false)
                }
                return
            }
            // Took the lease but could not load: give it back, and try again at the next renewal.
            logger.error("could not take over the projection", metadata: ["error": "\(error)"])
            leaseHeld.store(false, ordering: .relaxed)
            try? await store.releaseLease(name: Self.leaseName, owner: owner)
        } catch {
            logger.error("projection lease renewal failed", metadata: ["error": "\(error)"])
        }
    }
}
