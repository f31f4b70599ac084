import Foundation
import Logging
import RapportCore
import RapportStore
import ServiceLifecycle
import Synchronization

/// Runs the profile projection: applies what the writer appends as it
/// arrives and polls the log for what other processes appended, on every
/// server sharing a store, so that each serves reads from the same state.
///
/// Writing is divided by partition (``ProjectionPartitions``): for each, one
/// server holds its lease and writes: it flushes the partition's state with
/// its checkpoint and announces its workspaces' segment, stage and churn
/// events. The others follow in memory. Servers announce themselves with a
/// `member:` lease, and each partition goes to the live member that ranks
/// first for it (rendezvous hashing): a server that joins takes its share
/// from the others, which flush and hand it over; when a writer's leases
/// lapse (it died, or cannot reach the store), the partitions go to the
/// members left, which reload from the last flush and go on from there.
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
    /// The partitions whose leases this process holds (it writes them).
    let held = Mutex<Set<Int>>([])
    /// The partition count the leases were taken for.
    let heldCount = Mutex<Int>(1)
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

    /// The lease of a store's only partition (``ProjectionPartitions/leaseName(_:count:)``).
    public static let leaseName = "projection"
    /// How long a lease lasts without renewal; renewed every 2 s.
    static let leaseMillis: Int64 = 10_000
    /// Names of the leases servers hold to say they are alive.
    static let memberPrefix = "member:"

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

    /// Whether this process holds a projection lease (writes a partition).
    public var isLeader: Bool { leaseHeld.load(ordering: .relaxed) }

    /// The partitions this process writes.
    public var writtenPartitions: Set<Int> { held.withLock { $0 } }

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
        }
        await releaseAll()
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
            held.withLock { $0 = [] }
            fenced.store(true, ordering: .relaxed)
        } catch {
            logger.error("projection flush failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Renews the leases between batches of a catch-up, at most every two
    /// seconds; throws if one was lost (the next ``renewLease()`` then makes
    /// this process follow it).
    func keepLeaseDuringCatchUp() async throws {
        let now = clock.nowMillis()
        let due = lastCatchUpRenewal.withLock { last in
            if now - last < 2_000 { return false }
            last = now
            return true
        }
        guard due else { return }
        let (partitions, count) = (held.withLock { $0 }, heldCount.withLock { $0 })
        if count > 1 {
            // A server catching up stays a member, or its share would go back and forth meanwhile.
            _ = try? await store.acquireLease(name: Self.memberPrefix + owner, owner: owner, now: now,
                                              until: now + Self.leaseMillis)
        }
        guard isLeader else { return }
        for p in partitions.sorted() {
            let name = ProjectionPartitions.leaseName(p, count: count)
            guard try await store.acquireLease(name: name, owner: owner, now: now, until: now + Self.leaseMillis) else {
                leaseHeld.store(false, ordering: .relaxed)  // the next renewal makes this process a follower
                throw RapportError(.conflict, "the projection lease \(name) was lost during a catch-up")
            }
        }
        leaseConfirmed.withLock { $0 = now }
    }

    /// Every two seconds: renews this server's membership and the leases it
    /// holds, takes the partitions that are its share, and hands over those
    /// that are another live member's.
    func renewLease() async {
        let now = clock.nowMillis()
        do {
            let count = try await store.projectionCheckpoints().count
            let loadedCount = await projector.partitionCount
            if count != heldCount.withLock({ $0 }) || count != loadedCount {
                // Repartitioned (or first start): leases of the old count mean nothing now.
                await releasePartitions(count: heldCount.withLock { $0 })
                heldCount.withLock { $0 = count }
                try await projector.setPublishes(false)
            }
            var members = [owner]
            if count > 1 {
                _ = try await store.acquireLease(name: Self.memberPrefix + owner, owner: owner, now: now,
                                                 until: now + Self.leaseMillis)
                for lease in try await store.leases(now: now)
                where lease.name.hasPrefix(Self.memberPrefix) && lease.owner != owner {
                    members.append(lease.owner)
                }
            }
            let before = held.withLock { $0 }
            let share = PartitionAssignment.share(of: owner, members: members, count: count)
            var taken: Set<Int> = []
            for p in 0..<count where share.contains(p) {
                let name = ProjectionPartitions.leaseName(p, count: count)
                if try await store.acquireLease(name: name, owner: owner, now: now, until: now + Self.leaseMillis) {
                    taken.insert(p)
                }
            }
            // Partitions this process holds that are another member's now: flush them, stop writing them,
            // then let them go (in that order: never two writers).
            let handOver = before.subtracting(share)
            if !handOver.isEmpty {
                await flushLogged()
                try await projector.setWriting(before.intersection(taken))
                for p in handOver.sorted() {
                    try? await store.releaseLease(name: ProjectionPartitions.leaseName(p, count: count), owner: owner)
                }
                logger.info("projection partitions handed over to another server",
                            metadata: ["partitions": "\(handOver.sorted())"])
            }
            held.withLock { $0 = taken }
            leaseHeld.store(!taken.isEmpty, ordering: .relaxed)
            if !taken.isEmpty { leaseConfirmed.withLock { $0 = now } }
            // Transitions follow what the projector does, not a second flag that could disagree with it.
            let writing = await projector.writingPartitions
            if taken != writing {
                let gained = taken.subtracting(writing)
                let lost = writing.subtracting(taken)
                if !gained.isEmpty { await flushLogged() }  // a shorter replay for the partitions it keeps
                // Taking a partition starts from what its last writer flushed; what that one computed and
                // did not write is computed again (and announced) from the log. The reload can outlast a
                // lease: the leases kept and the membership are renewed meanwhile.
                try await keepingLeases(taken, count: count) { try await projector.setWriting(taken) }
                if await projector.partitionCount != count {
                    // Repartitioned while this process took the leases: write nothing, let them go, and
                    // start over at the next renewal.
                    logger.warning("the projection was repartitioned while this process took it over; following")
                    try? await projector.setPublishes(false)
                    await releasePartitions(count: count)
                    return
                }
                if !gained.isEmpty {
                    logger.info("projection lease acquired: this process writes the projection",
                                metadata: ["partitions": "\(gained.sorted())", "of": "\(count)"])
                }
                if !lost.isEmpty {
                    logger.warning("projection lease lost to another process: following it",
                                   metadata: ["partitions": "\(lost.sorted())", "of": "\(count)"])
                }
            }
        } catch let error where isLeader {
            if await projector.publishes {
                logger.error("projection lease renewal failed", metadata: ["error": "\(error)"])
                // Past most of the lease without renewing it, another process may take it: stop writing.
                if now - leaseConfirmed.withLock({ $0 }) >= 8_000 {
                    logger.warning("projection lease not renewed in time: following")
                    leaseHeld.store(false, ordering: .relaxed)
                    held.withLock { $0 = [] }
                    try? await projector.setWriting([])
                }
                return
            }
            // Took the lease but could not load: give it back, and try again at the next renewal.
            logger.error("could not take over the projection", metadata: ["error": "\(error)"])
            await releasePartitions(count: heldCount.withLock { $0 })
        } catch {
            logger.error("projection lease renewal failed", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` (a reload) while renewing, every 2 s, the membership and
    /// the leases of `partitions`: otherwise a reload longer than a lease
    /// would let them lapse, and the partitions go back and forth.
    func keepingLeases<T: Sendable>(_ partitions: Set<Int>, count: Int, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(2))
                    let now = self.clock.nowMillis()
                    let until = now + Self.leaseMillis
                    if count > 1 {
                        _ = try? await self.store.acquireLease(name: Self.memberPrefix + self.owner, owner: self.owner,
                                                               now: now, until: until)
                    }
                    for p in partitions.sorted() {
                        let name = ProjectionPartitions.leaseName(p, count: count)
                        if try await !self.store.acquireLease(name: name, owner: self.owner, now: now, until: until) {
                            self.leaseHeld.store(false, ordering: .relaxed)  // the next renewal follows
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Gives back every partition lease this process holds.
    func releasePartitions(count: Int) async {
        let partitions = held.withLock { h -> Set<Int> in
            let all = h
            h = []
            return all
        }
        leaseHeld.store(false, ordering: .relaxed)
        for p in partitions.sorted() {
            try? await store.releaseLease(name: ProjectionPartitions.leaseName(p, count: count), owner: owner)
        }
    }

    /// At shutdown: the partitions and the membership, so that the other servers take over at once.
    func releaseAll() async {
        await releasePartitions(count: heldCount.withLock { $0 })
        try? await store.releaseLease(name: Self.memberPrefix + owner, owner: owner)
    }
}

/// Which partitions each server writes.
enum PartitionAssignment {
    /// The partitions `me` should write among `members` (itself included).
    ///
    /// Every server computes the same assignment from the same members:
    /// partition by partition, each goes to the member that ranks highest
    /// for it (rendezvous hashing) among those that have fewer than their
    /// share (the count over the members; some get one more). Shares are
    /// even, and a member joining or leaving moves few partitions. With one partition,
    /// every server tries for it (the first to take the lease writes).
    static func share(of me: String, members: [String], count: Int) -> Set<Int> {
        guard count > 1 else { return [0] }
        let owners = assign(members: members, count: count)
        return Set(owners.indices.filter { owners[$0] == me })  // trap-ok: indices
    }

    /// Each partition's member.
    static func assign(members: [String], count: Int) -> [String] {
        let unique = Set(members).sorted()
        guard !unique.isEmpty, count > 0 else { return [] }
        // Every member gets `base` partitions, and `extra` of them one more.
        let base = count / unique.count
        var extra = count % unique.count
        var load: [String: Int] = [:]
        var out: [String] = []
        out.reserveCapacity(count)
        for p in 0..<count {
            let ranked = unique.map { (rank($0, p), $0) }.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
            let chosen = ranked.first { m in
                let n = load[m.1] ?? 0
                return n < base || (n == base && extra > 0)
            }?.1 ?? unique[0]  // trap-ok: not empty
            if (load[chosen] ?? 0) == base { extra -= 1 }
            load[chosen, default: 0] += 1
            out.append(chosen)
        }
        return out
    }

    static func rank(_ member: String, _ partition: Int) -> UInt64 {
        let bytes = Array("\(partition)|\(member)".utf8)
        return bytes.withUnsafeBytes { XXH64.hash($0, seed: 0x5241_5050) }
    }
}
