import Logging
import Metrics
import RapportCore
import RapportIdentity
import RapportIngest
import RapportStore
import Synchronization

/// The application: the ingest pipeline, the projections and every use case
/// the HTTP API and the CLI share.
public final class Engine: Sendable {
    public let store: any RapportStore
    public let writer: EventWriter
    public let projection: ProjectionService
    public let clock: any RapportClock
    public let decoder: MessageDecoder
    let projectionNormalizer: IdentifierNormalizer
    let logger: Logger
    /// Write key → source. Keys are kept hashed in the store; a key seen once is
    /// remembered here so a request costs no hash.
    let keyCache = Mutex<[String: Source]>([:])
    let keyHashes = Mutex<[String: Source]>([:])
    let lastKeyReload = Mutex<ContinuousClock.Instant?>(nil)
    /// The lease owner while a CLI command projects in this process.
    let localProjection = Mutex<LocalLease?>(nil)
    let localLeaseRenewed = Mutex<ContinuousClock.Instant>(.now)
    /// Inside `withLocalProjection`: where `appendDirect` hands what it
    /// appended to the projection.
    let localHandOff = Mutex<HandOff<[ProjectableEvent]>?>(nil)

    public var projector: ProfileProjector { projection.projector }

    /// How many events the local projection (``withLocalProjection(_:)``)
    /// applies between flushes. The last flush, when the command ends, is on
    /// its critical path: it writes what was applied since the one before.
    /// Flushing more often made it shorter but cost more in all (every flush
    /// rewrites each profile changed since the one before): 25,000 measured
    /// slower than 100,000 on the demo pipeline.
    let localFlushEvents: Int

    public init(store: any RapportStore, clock: any RapportClock = SystemClock(),
                identityRules: IdentityRules = IdentityRules(), profileRules: ProfileRules = ProfileRules(),
                limits: IngestLimits = IngestLimits(), logger: Logger = Logger(label: "rapport"),
                localFlushEvents: Int = 100_000) {
        self.store = store
        self.localFlushEvents = max(1, localFlushEvents)
        self.clock = clock
        self.logger = logger
        self.decoder = MessageDecoder(limits: limits)
        self.projectionNormalizer = IdentifierNormalizer(rules: identityRules)
        let projector = ProfileProjector(store: store, identityRules: identityRules, profileRules: profileRules,
                                         clock: clock, logger: logger)
        let projection = ProjectionService(projector: projector, store: store, clock: clock, logger: logger)
        self.projection = projection
        self.writer = EventWriter(store: store, logger: logger) { events in projection.submit(events) }
    }

    // MARK: - Credentials

    /// Loads the write keys from the store (at start-up and after a key is added).
    public func reloadKeys() async throws {
        var map: [String: Source] = [:]
        for (hash, source) in try await store.writeKeys() { map[hash] = source }
        keyHashes.withLock { $0 = map }
        keyCache.withLock { $0.removeAll() }
    }

    /// The source a write key belongs to, reloading keys from the store (at
    /// most once a second) when the key is unknown: another process, such as
    /// `rapport keys create`, may have added it.
    public func resolveWriteKey(_ key: String) async throws -> Source? {
        if let s = source(forWriteKey: key) { return s }
        let due = lastKeyReload.withLock { last -> Bool in
            let now = ContinuousClock.now
            if let last, now - last < .seconds(1) { return false }
            last = now
            return true
        }
        guard due else { return nil }
        try await reloadKeys()
        return source(forWriteKey: key)
    }

    /// The source a write key belongs to, or `nil`.
    public func source(forWriteKey key: String) -> Source? {
        if let s = keyCache.withLock({ $0[key] }) { return s }
        let hash = Secrets.hash(key)
        guard let s = keyHashes.withLock({ $0[hash] }) else { return nil }
        keyCache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = s
        }
        return s
    }

    /// Creates a write key for a source, storing only its hash. Returns the key.
    public func createWriteKey(source: Source) async throws -> String {
        let key = Secrets.generate(prefix: "wk_")
        try await store.addWriteKey(hash: Secrets.hash(key), sourceId: source.id, now: clock.nowMillis())
        try await reloadKeys()
        return key
    }

    /// Creates an API token with a role, storing only its hash. Returns the token.
    public func createToken(workspaceId: WorkspaceID, role: Role, name: String) async throws -> String {
        let token = Secrets.generate(prefix: "rt_")
        try await store.addToken(hash: Secrets.hash(token), workspaceId: workspaceId, role: role, name: name,
                                 now: clock.nowMillis())
        return token
    }

    /// The principal an API token belongs to.
    public func principal(forToken token: String) async throws -> Principal? {
        try await store.principal(tokenHash: Secrets.hash(token))
    }

    /// Checks a console login.
    public func login(username: String, password: String) async throws -> Principal? {
        guard let user = try await store.user(username: username) else { return nil }
        return Secrets.verifyPassword(password, stored: user.passwordHash) ? user.principal : nil
    }

    // MARK: - Ingest

    /// What an ingest request did.
    public struct IngestResult: Sendable {
        public var accepted: Int
        public var duplicates: Int
        public var rejected: [Rejection]
        public var source: Source
    }

    /// Decodes, authenticates, validates and durably appends one HTTP Tracking
    /// API request. The write key comes from Basic auth (`headerKey`) or from
    /// the body's `writeKey`.
    public func ingest(body: [UInt8], endpoint: IngestEndpoint, headerKey: String?) async throws -> IngestResult {
        let start = ContinuousClock.now
        var source: Source?
        if let headerKey, !headerKey.isEmpty {
            source = try await resolveWriteKey(headerKey)
            if source == nil { throw RapportError(.unauthorized, "unknown write key") }
        }
        let decoded = try decoder.decode(body: body, endpoint: endpoint, receivedAt: clock.nowMillis())
        if source == nil {
            guard let key = decoded.writeKey, !key.isEmpty else {
                throw RapportError(.unauthorized, "no write key: send it as the Basic auth user name or as writeKey")
            }
            guard let s = try await resolveWriteKey(key) else { throw RapportError(.unauthorized, "unknown write key") }
            source = s
        }
        guard let source else { throw RapportError(.unauthorized, "no write key") }
        let seqs = try await writer.append(decoded.accepted.map {
            EventToAppend(workspaceId: source.workspaceId, sourceId: source.id, message: $0)
        })
        let inserted = seqs.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        IngestMetrics.shared.record(source: source.name, accepted: inserted, duplicates: seqs.count - inserted,
                                    rejected: decoded.rejected, elapsed: ContinuousClock.now - start)
        return IngestResult(accepted: inserted, duplicates: seqs.count - inserted, rejected: decoded.rejected,
                            source: source)
    }
}

/// Ingest counters and timers (swift-metrics; exported by the server as
/// Prometheus text).
final class IngestMetrics: Sendable {
    static let shared = IngestMetrics()
    let accepted = Mutex<[String: Counter]>([:])
    let latency = Timer(label: "rapport_ingest_duration_seconds")

    func record(source: String, accepted n: Int, duplicates: Int, rejected: [Rejection], elapsed: Duration) {
        let counter = accepted.withLock { map -> Counter in
            if let c = map[source] { return c }
            let c = Counter(label: "rapport_events_accepted_total", dimensions: [("source", source)])
            map[source] = c
            return c
        }
        if n > 0 { counter.increment(by: n) }
        if duplicates > 0 {
            Counter(label: "rapport_events_duplicate_total", dimensions: [("source", source)]).increment(by: duplicates)
        }
        for r in rejected {
            Counter(label: "rapport_events_rejected_total", dimensions: [("source", source), ("code", r.error.code.rawValue)])
                .increment()
        }
        let (s, atto) = elapsed.components
        latency.recordNanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }

    static func rejectedRequest(code: String) {
        Counter(label: "rapport_events_rejected_total", dimensions: [("source", ""), ("code", code)]).increment()
    }
}

extension Engine {
    /// Counts a request rejected as a whole (bad JSON, too large, …).
    public static func recordRejectedRequest(code: String) {
        IngestMetrics.rejectedRequest(code: code)
    }
}
