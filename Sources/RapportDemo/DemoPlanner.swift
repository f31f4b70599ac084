/// Plans each person's sessions over the history from their latent profile:
/// when they arrive, browse, buy, refund and get synced from the CRM, shaped
/// so that at the end of the history they sit in their lifecycle stage.
struct DemoPlanner {
    let world: DemoWorld

    private struct Item {
        var t: Double
        var kind: UInt8
        var source: UInt8
        var order: Int
        var ref: Int
        var flags: UInt8
        var extra: UInt8
    }

    private struct PlacedOrder {
        var t: Double
        var number: Int
        var source: UInt8
        var refundLimit: Double
    }

    private var items: [Item] = []
    private var orders: [PlacedOrder] = []
    private var orderSession: [Int] = []

    init(world: DemoWorld) {
        self.world = world
        items.reserveCapacity(256)
    }

    /// Appends person `customer`'s sessions, in time order, to `plans`.
    mutating func plan(customer: Int, profile p: CustomerProfile, into plans: inout [SessionPlan]) {
        var r = DemoRandom(seed: world.customerKey(customer) ^ 0x91A2_0000_5E55_1011)
        items.removeAll(keepingCapacity: true)
        orders.removeAll(keepingCapacity: true)
        let h = Double(world.config.days)
        let act = world.config.activity
        let end = h
        var acquisition = 0.0

        switch p.lifecycle {
        case .anonymous:
            let a = r.uniform(0, h)
            acquisition = a
            acquire(a, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(0.5, 3)), a, min(h, a + 21), p, &r)
        case .potential:
            let a = r.uniform(0, h * 0.98)
            acquisition = a
            acquire(a, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(1.5, 6)), a, h, p, &r)
        case .new:
            let o1 = h - r.uniform(0.15, min(13.5, h * 0.9))
            let a = max(0, o1 - r.uniform(0, 16))
            acquisition = a
            acquire(a, p, &r)
            addOrder(near: o1, within: h - 13.8, end, limit: end, p, &r)
            if r.chance(0.25) { addOrder(near: r.uniform(o1 + 0.2, h), within: o1 + 0.1, end, limit: end, p, &r) }
            addBrowse(r.stochasticRound(act * r.uniform(1, 4.5)), a, h, p, &r)
        case .active:
            let o1 = h - r.uniform(15.5, min(85, h - 1))
            let oN = h - r.uniform(0.2, 28)
            let a = max(0, o1 - r.uniform(0, 30))
            acquisition = a
            acquire(a, p, &r)
            let n = 2 + r.int(3)
            addOrder(near: o1, within: o1 - 0.5, min(o1 + 0.5, h - 15), limit: end, p, &r)
            for _ in 0..<(n - 2) { addOrder(near: r.uniform(o1, oN), within: o1, oN, limit: end, p, &r) }
            addOrder(near: oN, within: h - 29, end, limit: end, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(2.5, 8)), a, h, p, &r)
        case .loyal:
            let a = r.uniform(0, h * 0.45)
            acquisition = a
            acquire(a, p, &r)
            let o1 = a + r.uniform(0.1, 7)
            let oN = h - r.uniform(0.2, 12)
            let span = max(1, oN - o1)
            var n = 5 + r.int(6)
            if span / Double(n - 1) * 1.6 >= 80 { n = Int(span * 1.6 / 80) + 2 }
            for k in 0..<n {
                var x = o1 + span * Double(k) / Double(n - 1)
                if k > 0 && k < n - 1 { x += r.uniform(-0.3, 0.3) * span / Double(n - 1) }
                addOrder(near: x, within: k == n - 1 ? h - 12.5 : o1, end, limit: end, p, &r)
            }
            addBrowse(r.stochasticRound(act * r.uniform(6, 16)), a, h, p, &r)
        case .atRisk:
            let last = h - r.uniform(31, min(84, h - 1))
            let a = max(0, last - r.uniform(10, 100))
            acquisition = a
            acquire(a, p, &r)
            let oN = max(a, last - r.uniform(0, 4))
            for _ in 0..<r.int(3) { addOrder(near: r.uniform(a, oN), within: a, oN, limit: last, p, &r) }
            addOrder(near: oN, within: max(a, h - 87), last, limit: last, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(1, 5)), a, last, p, &r)
        case .churned:
            let last = h - r.uniform(93, max(94, min(h - 2, 170)))
            let a = max(0, last - r.uniform(5, 60))
            acquisition = a
            acquire(a, p, &r)
            let oN = max(a, last - r.uniform(0, 3))
            for _ in 0..<r.int(3) { addOrder(near: r.uniform(a, oN), within: a, oN, limit: last, p, &r) }
            addOrder(near: oN, within: a, last, limit: last, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(1, 4)), a, last, p, &r)
        case .wonBack:
            let early = r.uniform(5, h - 125)
            let a = max(0, early - r.uniform(0, 40))
            acquisition = a
            acquire(a, p, &r)
            for _ in 0..<r.int(3) { addOrder(near: r.uniform(a, early), within: a, early, limit: early, p, &r) }
            addOrder(near: early, within: a, early, limit: early, p, &r)
            addBrowse(r.stochasticRound(act * r.uniform(1, 4)), a, early, p, &r)
            let back = h - r.uniform(0.5, 27)
            addOrder(near: back, within: back, back + 0.2, limit: end, p, &r, winBack: true)
            if r.chance(0.4) { addOrder(near: r.uniform(back + 0.3, h), within: back + 0.2, end, limit: end, p, &r) }
            addBrowse(r.stochasticRound(act * r.uniform(1, 3)), back + 0.1, h, p, &r)
        }

        // CRM syncs (not counted as activity).
        if p.uses(DemoSource.crm) && p.lifecycle != .anonymous {
            let extra = p.primary == DemoSource.crm ? (r.chance(0.5) ? 1 : 0) : 1 + (r.chance(0.3) ? 1 : 0)
            for _ in 0..<extra { addCRM(world.sampleSecond(acquisition, h, &r)) }
        }
        // Refunds, a few days after some orders.
        for order in orders where r.chance(order.source == DemoSource.store ? 0.03 : 0.06) {
            let t = order.t / 86_400 + r.uniform(1, 8)
            if t <= order.refundLimit {
                items.append(Item(t: world.sampleSecond(t, min(order.refundLimit, t + 0.5), &r), kind: SessionPlan.Kind.refund,
                                  source: order.source, order: -1, ref: order.number, flags: 0, extra: 0))
            }
        }

        emit(customer: customer, profile: p, rng: &r, into: &plans)
    }

    // MARK: - Building blocks

    private mutating func acquire(_ a: Double, _ p: CustomerProfile, _ r: inout DemoRandom) {
        if p.primary == DemoSource.crm {
            addCRM(world.sampleSecond(a, a + 0.5, &r))
        } else if p.primary <= DemoSource.miniprogram {
            let t = world.sampleSecond(a, a + 0.3, &r)
            items.append(Item(t: t, kind: SessionPlan.Kind.browse, source: p.primary, order: -1, ref: -1, flags: 0, extra: 0))
        }
    }

    private mutating func addBrowse(_ count: Int, _ low: Double, _ high: Double, _ p: CustomerProfile, _ r: inout DemoRandom) {
        guard p.online != 0, high > low else { return }
        for _ in 0..<min(count, 2000) {
            guard let source = pickOnline(p, &r) else { return }
            items.append(Item(t: world.sampleSecond(low, high, &r), kind: SessionPlan.Kind.browse, source: source,
                              order: -1, ref: -1, flags: 0, extra: 0))
        }
    }

    private mutating func addCRM(_ t: Double) {
        items.append(Item(t: t, kind: SessionPlan.Kind.crm, source: DemoSource.crm, order: -1, ref: -1, flags: 0, extra: 0))
    }

    private mutating func addOrder(
        near x: Double, within low: Double, _ high: Double, limit: Double, _ p: CustomerProfile,
        _ r: inout DemoRandom, winBack: Bool = false
    ) {
        // A few days of slack let shopping festivals pull orders towards them.
        let lo = max(low, x - 2.5)
        let hi = max(lo, min(high, x + 2.5))
        let t = world.sampleSecond(lo, hi, &r)
        let source: UInt8
        if p.uses(DemoSource.store) && (p.online == 0 || r.chance(p.primary == DemoSource.store ? 0.85 : 0.3)) {
            source = DemoSource.store
        } else if let online = pickOnline(p, &r) {
            source = online
        } else {
            source = DemoSource.web
        }
        var flags: UInt8 = 0
        var extra: UInt8 = 0
        if winBack {
            flags |= SessionPlan.Flag.coupon
            if source == DemoSource.web || r.chance(0.5) { extra = UInt8(DemoTables.winbackCampaign + 1) << 1 }
        }
        let number = orders.count
        orders.append(PlacedOrder(t: t, number: number, source: source, refundLimit: limit))
        items.append(Item(t: t, kind: source == DemoSource.store ? SessionPlan.Kind.store : SessionPlan.Kind.purchase,
                          source: source, order: number, ref: -1, flags: flags, extra: extra))
    }

    private func pickOnline(_ p: CustomerProfile, _ r: inout DemoRandom) -> UInt8? {
        let online = p.online
        if online == 0 { return nil }
        if p.primary <= DemoSource.miniprogram && r.chance(0.7) { return p.primary }
        let count = online.nonzeroBitCount
        var k = r.int(count)
        for s: UInt8 in 0..<3 where online & (1 << s) != 0 {
            if k == 0 { return s }
            k -= 1
        }
        return p.primary <= DemoSource.miniprogram ? p.primary : DemoSource.web
    }

    // MARK: - Ordering and identity state

    private mutating func emit(customer: Int, profile p: CustomerProfile, rng r: inout DemoRandom, into plans: inout [SessionPlan]) {
        items.sort { $0.t < $1.t }
        // Sessions of one person are at least an hour apart and end before the history does.
        var kept = 0
        var last = -Double.infinity
        for i in items.indices {
            var item = items[i]
            item.t = max(item.t.rounded(.down), last + 3600 + r.uniform(0, 1800).rounded(.down))
            guard item.t.isFinite, item.t >= 0, item.t <= world.maxSessionSecond, kept < Int(UInt16.max) else { continue }
            last = item.t
            items[kept] = item
            kept += 1
        }
        items.removeLast(items.count - kept)

        orderSession.removeAll(keepingCapacity: true)
        orderSession.append(contentsOf: repeatElement(-1, count: orders.count))
        var hasAccount = false
        var loggedIn: UInt8 = 0
        var seen: UInt8 = 0
        var onlineCount = 0
        var lastOnline = -1
        var hadCRM = false
        let first = plans.count

        for (index, item) in items.enumerated() {
            var flags = item.flags
            var extra = item.extra
            var source = item.source
            var ref = 0
            switch item.kind {
            case SessionPlan.Kind.browse, SessionPlan.Kind.purchase:
                var slot: UInt8 = 0
                if source == DemoSource.web && p.has(CustomerProfile.Trait.secondBrowser)
                    && item.t >= Double(p.switchSecond) && r.chance(0.5) { slot = 1 }
                if source == DemoSource.app && p.has(CustomerProfile.Trait.newPhone) && item.t >= Double(p.switchSecond) { slot = 1 }
                let bit: UInt8 = 1 << (source * 2 + slot)
                if seen & bit == 0 { flags |= SessionPlan.Flag.first; seen |= bit }
                if loggedIn & bit != 0 {
                    flags |= SessionPlan.Flag.identified
                } else if p.lifecycle != .anonymous {
                    let identify: Bool
                    if item.kind == SessionPlan.Kind.purchase { identify = true }
                    else if hasAccount { identify = r.chance(0.55) }
                    else if p.lifecycle == .potential { identify = r.chance(onlineCount == 0 ? 0.45 : 0.6) }
                    else { identify = r.chance(0.2) }
                    if identify {
                        flags |= SessionPlan.Flag.identifyHere
                        if !hasAccount { flags |= SessionPlan.Flag.signup; hasAccount = true }
                        loggedIn |= bit
                    }
                }
                // Campaign attribution.
                if extra >> 1 == 0 {
                    var campaign: Int? = nil
                    if source == DemoSource.web && onlineCount == 0 && p.acquisitionCampaign != 255 {
                        campaign = Int(p.acquisitionCampaign)
                    } else if source == DemoSource.app && flags & SessionPlan.Flag.first != 0 && onlineCount == 0
                        && p.acquisitionCampaign != 255 && r.chance(0.3) {
                        campaign = Int(p.acquisitionCampaign)
                    } else if source == DemoSource.web && onlineCount > 0 && r.chance(0.1) {
                        campaign = r.chance(0.5) ? DemoTables.newsletterCampaign : r.pick(cumulative: DemoTables.campaignCumulativeChina)
                    }
                    if let c = campaign { extra = UInt8(c + 1) << 1 }
                }
                extra |= slot
                if p.has(CustomerProfile.Trait.referrer) && flags & (SessionPlan.Flag.identified | SessionPlan.Flag.identifyHere) != 0
                    && r.chance(0.3) { flags |= SessionPlan.Flag.referral }
                if item.kind == SessionPlan.Kind.purchase && r.chance(0.3) { flags |= SessionPlan.Flag.coupon }
                if p.has(CustomerProfile.Trait.junkClient) && source == DemoSource.web { flags |= SessionPlan.Flag.junk }
                onlineCount += 1
                lastOnline = index
            case SessionPlan.Kind.store:
                if r.chance(0.15) { flags |= SessionPlan.Flag.coupon }
                if r.chance(0.05) { flags |= SessionPlan.Flag.junk }
                if p.has(CustomerProfile.Trait.givesNameInStore) { flags |= SessionPlan.Flag.variant }
            case SessionPlan.Kind.crm:
                hadCRM = true
                if hasAccount && p.has(CustomerProfile.Trait.crmKnowsUser) { flags |= SessionPlan.Flag.identified }
                if r.chance(0.2) { flags |= SessionPlan.Flag.variant }
                if r.chance(0.01) { flags |= SessionPlan.Flag.junk }
            default:  // refund: copy the order's channel and basket facts
                guard item.ref >= 0, item.ref < orderSession.count else { continue }
                let orderIndex = orderSession[item.ref]
                guard orderIndex >= 0, first + orderIndex < plans.count else { continue }
                let order = plans[first + orderIndex]
                source = order.source
                extra = order.extra & 1
                flags = (order.flags & SessionPlan.Flag.coupon) | SessionPlan.Flag.identified
                ref = orderIndex
            }
            if item.order >= 0 && item.order < orderSession.count { orderSession[item.order] = index }
            plans.append(SessionPlan(
                second: UInt32(item.t),  // trap-ok: 0 <= t <= maxSessionSecond < 2^32, checked when kept
                customer: UInt32(truncatingIfNeeded: customer), index: UInt16(truncatingIfNeeded: index),
                ref: UInt16(truncatingIfNeeded: ref), kind: item.kind, source: source, flags: flags, extra: extra))
        }
        // A potential customer must be identified somewhere: sign up on the last visit.
        if p.lifecycle == .potential && !hasAccount && !hadCRM && lastOnline >= 0 && first + lastOnline < plans.count {
            plans[first + lastOnline].flags |= SessionPlan.Flag.identifyHere | SessionPlan.Flag.signup
        }
    }
}
