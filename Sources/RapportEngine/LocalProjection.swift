import Foundation
import RapportCore
import RapportStore

/// The leases a CLI command holds while it projects: every partition's.
struct LocalLease: Sendable {
    var owner: String
    var partitions: Int
}

/// The projection as CLI commands run it, without a server: the command
/// appends with ``Engine/appendDirect(_:source:)`` and, while it holds the
/// projection lease, the same process projects what it appends.
extension Engine {
    /// How long a CLI command's hold on the projection lasts without renewal:
    /// if the command dies (Ctrl-C, kill), a server can take over this soon.
    static let localLeaseMillis: Int64 = 30_000

    /// How many appended batches may wait for the projection: the log's
    /// writer runs ahead of the projector by this much, then waits.
    static let localHandOffBatches = 3

    /// Runs `body` with this process projecting what it appends.
    ///
    /// If it can take the projection lease, the projection is loaded and
    /// caught up with the log first; then, while `body` runs, every batch
    /// ``appendDirect(_:source:)`` appends is handed to a projection task that
    /// applies it while the next batches are decoded and written, so the three
    /// stages work at once on their own pace. When `body` returns, what is
    /// left is projected, the state flushed and the lease given back.
    ///
    /// If a running server holds the lease, `body` still runs and appends;
    /// the server projects, and `projected` is `false`.
    ///
    /// If `body` throws, what was handed over is still applied and flushed
    /// (everything it reflects is in the log) and the lease is given back
    /// before the error is rethrown. If the projection fails (the lease was
    /// lost, the store failed), the next `appendDirect` throws; what it
    /// appended is in the log and is projected whenever the projection next runs.
    public func withLocalProjection<R>(_ body: () async throws -> R) async throws -> (value: R, projected: Bool) {
        guard try await beginLocalProjection() else { return (try await body(), false) }
        let handOff = HandOff<[ProjectableEvent]>(capacity: Self.localHandOffBatches)
        localHandOff.withLock { $0 = handOff }
        let outcome: Result<R, any Error>
        do {
            outcome = .success(try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
                group.addTask { try await self.projectHandedOff(handOff) }
                let value: R
                do {
                    value = try await body()
                } catch {
                    handOff.close()
                    try? await group.waitForAll()
                    throw error
                }
                handOff.close()
                try await group.waitForAll()
                return value
            })
        } catch {
            outcome = .failure(error)
        }
        localHandOff.withLock { $0 = nil }
        switch outcome {
        case .success(let value):
            try await endLocalProjection()
            return (value, true)
        case .failure(let error):
            try? await endLocalProjection()
            throw error
        }
    }

    /// Decoded messages appended straight to the log in one transaction (the
    /// importers' path; they batch on their own). Returns (appended,
    /// duplicates). Inside ``withLocalProjection(_:)``, what it appended is
    /// handed to the projection; it waits only while several earlier batches
    /// are still waiting to be projected.
    public func appendDirect(_ messages: [Message], source: Source) async throws -> (Int, Int) {
        let events = messages.map { EventToAppend(workspaceId: source.workspaceId, sourceId: source.id, message: $0) }
        let seqs = try await store.append(events)
        let appended = ProjectableEvent.stored(events, positions: seqs)
        if !appended.isEmpty, let handOff = localHandOff.withLock({ $0 }) {
            guard await handOff.send(appended) else {
                throw RapportError(.unavailable, "the projection stopped; the \(appended.count) events just appended "
                                   + "are in the log and are projected when the projection next runs")
            }
        }
        return (appended.count, seqs.count - appended.count)
    }

    /// The projection task of ``withLocalProjection(_:)``: applies each batch
    /// handed over, and every ``localFlushEvents`` events starts a flush (with
    /// the lease checked first) that writes in the background while the next
    /// batches are applied, as the server's projection does. On failure it
    /// closes the hand-off, so that writers stop.
    func projectHandedOff(_ handOff: HandOff<[ProjectableEvent]>) async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { flushes in
                var sinceFlush = 0
                var flushing = false
                while let events = await handOff.receive() {
                    try await projector.apply(events)
                    sinceFlush += events.count
                    let flushDue = sinceFlush >= localFlushEvents
                    // Never write projection state without holding the lease: check it before a flush.
                    try await renewLocalLease(force: flushDue)
                    guard flushDue else { continue }
                    // The previous flush has long finished (it started `localFlushEvents` ago):
                    // this surfaces its error, or waits for it if the store is slow.
                    if flushing { try await flushes.next() }
                    flushes.addTask { try await self.projector.flush() }
                    flushing = true
                    sinceFlush = 0
                }
                try await flushes.waitForAll()
            }
        } catch {
            handOff.close()
            throw error
        }
    }

    /// Takes the projection for this process: loads it and catches up with
    /// the log. The lease is short and renewed as the command works. Returns
    /// `false` if a running server holds the projection lease; that server
    /// then projects instead.
    func beginLocalProjection() async throws -> Bool {
        let owner = "cli:\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max))"
        let count = try await store.projectionCheckpoints().count
        guard try await acquireAllPartitions(owner: owner, count: count) else { return false }
        localProjection.withLock { $0 = LocalLease(owner: owner, partitions: count) }
        localLeaseRenewed.withLock { $0 = .now }
        do {
            try await projector.setPublishes(true)
            guard await projector.partitionCount == count else {
                throw RapportError(.conflict, "the projection was repartitioned meanwhile; run the command again")
            }
            try await projector.catchUp(afterBatch: { [self] in try await renewLocalLease() })
        } catch {
            localProjection.withLock { $0 = nil }
            await releaseAllPartitions(owner: owner, count: count)
            throw error
        }
        return true
    }

    /// Takes the lease of every partition for `owner`, or none: `false` if a
    /// server holds one of them.
    func acquireAllPartitions(owner: String, count: Int) async throws -> Bool {
        let now = clock.nowMillis()
        for p in 0..<count {
            let taken: Bool
            do {
                taken = try await store.acquireLease(name: ProjectionPartitions.leaseName(p, count: count), owner: owner,
                                                     now: now, until: now + Self.localLeaseMillis)
            } catch {
                await releaseAllPartitions(owner: owner, count: count)
                throw error
            }
            if !taken {
                await releaseAllPartitions(owner: owner, count: count)
                return false
            }
        }
        return true
    }

    func releaseAllPartitions(owner: String, count: Int) async {
        for p in 0..<count {
            try? await store.releaseLease(name: ProjectionPartitions.leaseName(p, count: count), owner: owner)
        }
    }

    /// Renews the CLI's projection lease if a third of its time has passed.
    /// Losing it (the process stalled past the lease) is an error: another
    /// process may be projecting now, and two must never write projection state.
    func renewLocalLease(force: Bool = false) async throws {
        guard let lease = localProjection.withLock({ $0 }) else { return }
        let due = localLeaseRenewed.withLock { last -> Bool in
            guard force || ContinuousClock.now - last >= .milliseconds(Self.localLeaseMillis / 3) else { return false }
            last = .now
            return true
        }
        guard due else { return }
        let now = clock.nowMillis()
        for p in 0..<lease.partitions where try await !store.acquireLease(
            name: ProjectionPartitions.leaseName(p, count: lease.partitions), owner: lease.owner, now: now,
            until: now + Self.localLeaseMillis)
        {
            localProjection.withLock { $0 = nil }
            throw RapportError(.conflict, "lost the projection lease to another process; what was appended is in "
                               + "the log and will be projected by the lease holder")
        }
    }

    /// Projects anything appended meanwhile by other processes, flushes, and
    /// gives the lease back.
    func endLocalProjection() async throws {
        guard let lease = localProjection.withLock({ $0 }) else { return }
        defer { localProjection.withLock { $0 = nil } }
        try await projector.catchUp(afterBatch: { [self] in try await renewLocalLease() })
        try await renewLocalLease(force: true)  // never write projection state without holding the lease
        try await projector.flush()
        await releaseAllPartitions(owner: lease.owner, count: lease.partitions)
    }
}

extension Engine {
    /// What ``repartitionProjection(count:)`` did.
    public struct Repartition: Sendable {
        public var from: Int
        public var to: Int
        /// Where every partition starts from: the whole log up to here is projected.
        public var checkpoint: Int64
    }

    /// Divides the projection's writing into `count` partitions
    /// (``ProjectionPartitions``).
    ///
    /// Takes every partition's lease (it fails if a server writes one: stop
    /// the servers first), projects the whole log and flushes every
    /// partition, and then sets the count, with every partition starting
    /// from that checkpoint. Servers that only follow notice the new count
    /// and reload.
    public func repartitionProjection(count: Int) async throws -> Repartition {
        try ProjectionPartitions.validate(count: count)
        guard try await beginLocalProjection() else {
            throw RapportError(.conflict, "a running server writes the projection: stop the servers, repartition, "
                               + "and start them again")
        }
        do {
            let from = await projector.partitionCount
            try await projector.catchUp(afterBatch: { [self] in try await renewLocalLease() })
            try await renewLocalLease(force: true)
            try await projector.flush()
            let checkpoint = await projector.applied
            try await renewLocalLease(force: true)
            try await store.repartitionProjection(count: count, checkpoint: checkpoint)
            if let lease = localProjection.withLock({ $0 }) {
                await releaseAllPartitions(owner: lease.owner, count: lease.partitions)
            }
            localProjection.withLock { $0 = nil }
            try await projector.load()
            return Repartition(from: from, to: count, checkpoint: checkpoint)
        } catch {
            if let lease = localProjection.withLock({ $0 }) {
                await releaseAllPartitions(owner: lease.owner, count: lease.partitions)
            }
            localProjection.withLock { $0 = nil }
            throw error
        }
    }
}
