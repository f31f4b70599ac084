/// Writes the messages of one planned session as JSON bytes, straight from
/// the plan and the person's profile.
struct SessionWriter {
    let world: DemoWorld
    /// The session's messages, in time order. The caller takes them and clears it.
    var out: [DemoMessage] = []

    var rng = DemoRandom(seed: 0)
    var ts: Int64 = 0
    var customer = 0
    var idHigh: UInt64 = 0
    var msgBase: UInt64 = 0
    var msgNo: UInt64 = 0
    var source = "web"
    var sourceIndex: UInt8 = 0
    var localOffset: Int? = nil
    var civil = CivilCache()
    /// `,"userId":…,"anonymousId":…` as the session currently sends it.
    var identity: [UInt8] = []
    /// The `context` object as the session currently sends it.
    var context: [UInt8] = []

    init(world: DemoWorld) {
        self.world = world
        out.reserveCapacity(64)
    }

    mutating func write(_ plan: SessionPlan, profile p: CustomerProfile) {
        customer = Int(plan.customer)
        let key = world.customerKey(customer)
        rng = DemoRandom(seed: mix64(key ^ (UInt64(plan.index) &* 0x9E37_79B9_7F4A_7C15) ^ 0x5E55_1014_0000_0001))
        idHigh = key
        msgBase = UInt64(plan.index) << 16
        msgNo = 0
        ts = world.startMillis + Int64(plan.second) * 1000 + Int64(rng.int(1000))
        localOffset = nil
        source = plan.source < DemoSource.names.count ? DemoSource.names[Int(plan.source)] : "web"
        sourceIndex = plan.source
        switch plan.kind {
        case SessionPlan.Kind.browse, SessionPlan.Kind.purchase: writeOnline(plan, p)
        case SessionPlan.Kind.store: writeStore(plan, p)
        case SessionPlan.Kind.crm: writeCRM(plan, p)
        default: writeRefund(plan, p)
        }
    }

    // MARK: - Message frame

    mutating func begin(_ type: StaticString) -> JSONBytes {
        var b = JSONBytes(capacity: identity.count + context.count + 700)
        b.raw("{\"type\":\"")
        b.raw(type)
        b.raw("\",\"messageId\":\"")
        b.uuid(idHigh, mix64((msgBase | msgNo) &+ idHigh))
        msgNo &+= 1
        b.raw("\",\"timestamp\":\"")
        if let offset = localOffset { b.isoLocal(ts, offsetMinutes: offset) } else { b.iso(ts, cache: &civil) }
        b.byte(0x22)
        b.raw(identity)
        return b
    }

    mutating func finish(_ b: inout JSONBytes) {
        b.raw(",\"context\":")
        b.raw(context)
        b.byte(0x7D)
        out.append(DemoMessage(source: source, json: b.bytes, timestamp: ts, customer: customer))
    }

    mutating func track(_ event: StaticString) -> JSONBytes {
        var b = begin("track")
        b.raw(",\"event\":\"")
        b.raw(event)
        b.raw("\",\"properties\":{")
        return b
    }

    mutating func endTrack(_ b: inout JSONBytes) {
        b.byte(0x7D)
        finish(&b)
    }

    /// Moves the clock on by `low`–`high` seconds.
    mutating func advance(_ low: Int, _ high: Int) {
        ts += Int64(low) * 1000 + Int64(rng.int((high - low) * 1000))
    }

    func cityOf(_ p: CustomerProfile) -> DemoTables.City {
        Int(p.city) < DemoTables.cities.count ? DemoTables.cities[Int(p.city)] : DemoTables.cities[0]
    }
}
