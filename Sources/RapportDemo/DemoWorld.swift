import RapportCore

/// Everything the generator's parts share, computed once from the
/// configuration: keys derived from the seed, the catalogue with its JSON
/// fragments, calendar weights.
struct DemoWorld: Sendable {
    let config: DemoConfig
    let catalogue: DemoCatalogue
    /// `"product_id":…,"sku":…,"category":…,"name":…,"brand":…,"price":…` per product.
    let productFields: [[UInt8]]
    /// `"path":…,"url":…,"title":…` of each product's web page.
    let productWebPage: [[UInt8]]
    /// `"path":…,"title":…` of each product's mini-program page.
    let productMiniPage: [[UInt8]]
    /// Each product's id as bytes.
    let productIds: [[UInt8]]
    /// Categories whose products are often bought several at a time.
    let bulkCategory: [Bool]

    /// Milliseconds since 1970 of the history's start.
    let startMillis: Int64
    /// Seconds in the history.
    let totalSeconds: Double
    /// The latest second (after the start) a session may begin.
    let maxSessionSecond: Double

    // Keys derived from the seed.
    let customerKeyBase: UInt64
    let userIdKey: UInt32
    let phoneOffset: UInt64
    let emailModulus: UInt64
    let emailOffset: UInt64
    let anonKey: UInt64
    let orderKey: UInt64
    let basketKey: UInt64
    let cartKey: UInt64
    let receiptKey: UInt64
    let wechatKey: UInt64
    let deviceKey: UInt64
    let crmKey: UInt64

    /// Calendar weight of each local (UTC+8) day from `firstLocalDay`.
    let dayWeights: [Double]
    let firstLocalDay: Int64
    static let hourWeights: [Double] = [
        0.35, 0.18, 0.09, 0.05, 0.04, 0.06, 0.2, 0.5, 0.8, 0.9, 1.0, 1.1,
        1.4, 1.2, 1.0, 1.0, 1.0, 1.1, 1.2, 1.5, 1.9, 2.1, 1.8, 1.0,
    ]
    let maxWeight: Double

    static let lifecycleCumulative: [Double] = cumulative([8, 18, 8, 16, 8, 14, 20, 8])
    static let lifecycles: [DemoLifecycle] = [.anonymous, .potential, .new, .active, .loyal, .atRisk, .churned, .wonBack]
    static let primaryCumulative: [Double] = cumulative([36, 24, 20, 12, 8])

    init(config: DemoConfig) {
        let config = config.normalized
        self.config = config
        let catalogue = DemoCatalogue()
        self.catalogue = catalogue
        var fields: [[UInt8]] = []
        var web: [[UInt8]] = []
        var mini: [[UInt8]] = []
        for product in catalogue.products {
            var b = JSONBytes(capacity: 200)
            b.raw("\"product_id\":"); b.string(product.id)
            b.raw(",\"sku\":"); b.string(product.sku)
            b.raw(",\"category\":"); b.string(product.category)
            b.raw(",\"name\":"); b.string(product.name)
            b.raw(",\"brand\":"); b.string(product.brand)
            b.raw(",\"price\":"); b.cents(product.priceCents)
            fields.append(b.bytes)
            var w = JSONBytes(capacity: 200)
            w.raw("\"path\":\"/p/"); w.raw(Array(product.id.utf8))
            w.raw("\",\"url\":\"https://www.yuego.cn/p/"); w.raw(Array(product.id.utf8))
            w.raw("\",\"title\":"); w.string(product.name + " - 悦购")
            web.append(w.bytes)
            var m = JSONBytes(capacity: 120)
            m.raw("\"path\":\"pages/goods/detail?id="); m.raw(Array(product.id.utf8))
            m.raw("\",\"title\":"); m.string(product.name)
            mini.append(m.bytes)
        }
        productFields = fields
        productIds = catalogue.products.map { Array($0.id.utf8) }
        productWebPage = web
        productMiniPage = mini
        bulkCategory = DemoCatalogue.categories.map { $0.slug == "food" || $0.slug == "baby" }

        let span = Int64(config.days) * 86_400_000
        startMillis = config.endMillis - span
        totalSeconds = Double(config.days) * 86_400
        maxSessionSecond = max(0, totalSeconds - 7200)

        var keys = DemoRandom(seed: config.seed ^ 0x52A9_90C7_DE30_0001)
        customerKeyBase = keys.next()
        userIdKey = UInt32(truncatingIfNeeded: keys.next())
        phoneOffset = keys.next() % 100_000_000
        var modulus: UInt64 = 10_000
        while modulus < UInt64(max(1, config.customers)) * 10 { modulus *= 10 }
        emailModulus = modulus
        emailOffset = keys.next() % modulus
        anonKey = keys.next()
        orderKey = keys.next()
        basketKey = keys.next()
        cartKey = keys.next()
        receiptKey = keys.next()
        wechatKey = keys.next()
        deviceKey = keys.next()
        crmKey = keys.next()

        // Calendar: shopping festivals and weekends draw more traffic.
        let startSeconds = startMillis / 1000
        let firstLocal = (startSeconds + 8 * 3600) / 86_400
        firstLocalDay = firstLocal
        var weights: [Double] = []
        for d in 0...(config.days + 1) {
            let day = firstLocal + Int64(d)
            let (_, month, dom) = civilDate(day)
            var w = 1.0
            let weekday = ((day % 7) + 10) % 7  // 0 = Monday (1970-01-01 was a Thursday)
            if weekday >= 5 { w *= 1.15 }
            switch (month, dom) {
            case (11, 11): w *= 3.0
            case (11, 10), (11, 12): w *= 1.5
            case (6, 18): w *= 2.2
            case (6, 17), (6, 19): w *= 1.3
            case (12, 12): w *= 1.6
            case (3, 8), (5, 20), (8, 10): w *= 1.3
            default: break
            }
            weights.append(w)
        }
        dayWeights = weights
        maxWeight = (weights.max() ?? 1) * (Self.hourWeights.max() ?? 1)
    }

    /// A per-person key: distinct people always get distinct keys.
    @inline(__always)
    func customerKey(_ customer: Int) -> UInt64 {
        mix64(UInt64(truncatingIfNeeded: customer) &+ customerKeyBase)
    }

    /// A random second in `[low, high]` days after the history's start, shaped
    /// by the time of day (China time) and the calendar.
    func sampleSecond(_ low: Double, _ high: Double, _ rng: inout DemoRandom) -> Double {
        let lo = min(max(0, low * 86_400), maxSessionSecond)
        let hi = min(max(lo, high * 86_400), maxSessionSecond)
        if hi - lo < 1 { return lo }
        var t = lo
        for _ in 0..<16 {
            t = rng.uniform(lo, hi)
            if rng.unit() * maxWeight < weight(at: t) { return t }
        }
        return t
    }

    func weight(at second: Double) -> Double {
        let local = startMillis / 1000 + Int64(second) + 8 * 3600
        let day = Int(local / 86_400 - firstLocalDay)
        let hour = Int((local % 86_400) / 3600)
        guard day >= 0, day < dayWeights.count, hour >= 0, hour < 24 else { return 1 }
        return dayWeights[day] * Self.hourWeights[hour]
    }

    /// The latent profile of person `customer`.
    func profile(_ customer: Int) -> CustomerProfile {
        var r = DemoRandom(seed: customerKey(customer) ^ 0x0F11_E5EE_D000_0001)
        let days = config.days
        var lifecycle = Self.lifecycles[r.pick(cumulative: Self.lifecycleCumulative)]  // trap-ok: pick < count
        if lifecycle == .wonBack && days < 150 { lifecycle = .active }
        if lifecycle == .churned && days < 100 { lifecycle = .atRisk }
        if lifecycle == .atRisk && days < 45 { lifecycle = .potential }
        if (lifecycle == .loyal || lifecycle == .active) && days < 30 { lifecycle = .new }

        let city = UInt8(r.pick(cumulative: DemoTables.cityCumulative))
        let hasStore = DemoTables.cities[Int(city)].hasStore  // trap-ok: pick < count
        var primary = UInt8(r.pick(cumulative: Self.primaryCumulative))
        if primary == DemoSource.store && !hasStore { primary = DemoSource.web }
        if lifecycle == .anonymous && primary > DemoSource.app { primary = DemoSource.web }
        if lifecycle == .potential && primary == DemoSource.store { primary = DemoSource.crm }
        var channels: UInt8 = 1 << primary
        switch primary {
        case DemoSource.store:
            if r.chance(0.35) { channels |= 1 << DemoSource.miniprogram }
            if r.chance(0.15) { channels |= 1 << DemoSource.web }
            if r.chance(0.3) { channels |= 1 << DemoSource.crm }
        case DemoSource.crm:
            if r.chance(0.55) { channels |= 1 << (r.chance(0.5) ? DemoSource.web : DemoSource.miniprogram) }
            if hasStore && r.chance(0.25) { channels |= 1 << DemoSource.store }
        default:
            if lifecycle != .anonymous {
                if r.chance(0.35) { channels |= 1 << UInt8((Int(primary) + 1 + r.int(2)) % 3) }
                if hasStore && r.chance(0.12) { channels |= 1 << DemoSource.store }
                if r.chance(0.2) { channels |= 1 << DemoSource.crm }
            }
        }
        if lifecycle == .potential { channels &= ~(1 << DemoSource.store) }
        if lifecycle != .anonymous && lifecycle != .potential
            && channels & (DemoSource.onlineMask | 1 << DemoSource.store) == 0 {
            channels |= 1 << DemoSource.web
        }
        if channels == 0 { channels = 1 << DemoSource.web }

        let overseas = Int(city) >= DemoTables.firstOverseasCity
        let female = r.chance(0.58)
        let english: UInt8 = r.chance(overseas ? 0.6 : 0.06) ? UInt8(r.int(10)) : 255
        let givenCount = female ? DemoTables.femaleGiven.count : DemoTables.maleGiven.count
        var traits: UInt8 = 0
        if r.chance(0.2) { traits |= CustomerProfile.Trait.secondBrowser }
        if r.chance(0.15) { traits |= CustomerProfile.Trait.newPhone }
        if r.chance(0.15) { traits |= CustomerProfile.Trait.referrer }
        if r.chance(0.6) { traits |= CustomerProfile.Trait.crmKnowsUser }
        if r.chance(0.015) { traits |= CustomerProfile.Trait.junkClient }
        if r.chance(0.65) { traits |= CustomerProfile.Trait.sharesPhoneInMini }
        if r.chance(0.4) { traits |= CustomerProfile.Trait.givesNameInStore }

        let endYear = civilDate((config.endMillis - 1) / 86_400_000).year
        // Ages 18–65, most between 22 and 40.
        let age = 18 + Int((r.unit() + r.unit() + r.unit()) / 3 * 30) + (r.chance(0.15) ? r.int(18) : 0)
        let pref1 = female && age >= 25 && age <= 38 && r.chance(0.35) ? 6 : r.pick(cumulative: [14, 30, 44, 58, 70, 80, 88])
        var pref2 = r.int(DemoCatalogue.categories.count)
        if pref2 == pref1 { pref2 = (pref2 + 1) % DemoCatalogue.categories.count }
        let campaign: UInt8 = r.chance(0.2)
            ? 255
            : UInt8(r.pick(cumulative: overseas ? DemoTables.campaignCumulativeOverseas : DemoTables.campaignCumulativeChina))
        let memberLevel: UInt8
        switch lifecycle {
        case .loyal: memberLevel = r.chance(0.5) ? 3 : 2
        case .active, .wonBack: memberLevel = UInt8(1 + r.int(2))
        case .anonymous, .potential: memberLevel = 0
        default: memberLevel = UInt8(r.int(2))
        }
        return CustomerProfile(
            lifecycle: lifecycle, primary: primary, channels: channels,
            female: female, genderKnown: r.chance(0.8),
            surname: UInt8(r.int(DemoTables.surnames.count)),
            given1: UInt8(r.int(givenCount)),
            given2: r.chance(0.7) ? UInt8(r.int(givenCount)) : 255,
            english: english, city: city,
            occupation: UInt8(r.int(DemoTables.occupations.count)),
            emailDomain: UInt8(r.pick(cumulative: DemoTables.emailDomainCumulative)),
            emailStyle: UInt8(r.int(english == 255 ? 3 : 4)),
            phonePrefix: UInt8(r.int(DemoTables.phonePrefixes.count)),
            pref1: UInt8(pref1), pref2: UInt8(pref2),
            device: UInt8(r.pick(cumulative: DemoTables.deviceCumulative)),
            userAgent: UInt8(r.pick(cumulative: DemoTables.userAgentCumulative)),
            traits: traits, memberLevel: memberLevel, acquisitionCampaign: campaign,
            birthYear: UInt16(clamping: endYear - age), birthDayOfYear: UInt16(r.int(365)),
            ipTail: UInt16(truncatingIfNeeded: r.next()),
            switchSecond: UInt32(r.uniform(0.3, 0.8) * totalSeconds))  // trap-ok: totalSeconds <= 3650 days < 2^32 s
    }

    /// A product the person might look at or buy, by their category tastes and
    /// product popularity.
    func pickProduct(_ p: CustomerProfile, _ r: inout DemoRandom) -> Int {
        let x = r.unit()
        let cat: Int
        if x < 0.5 { cat = Int(p.pref1) } else if x < 0.75 { cat = Int(p.pref2) } else { cat = r.int(DemoCatalogue.categories.count) }
        guard cat < catalogue.byCategory.count, cat < catalogue.popularity.count else { return 0 }
        let members = catalogue.byCategory[cat]
        let i = r.pick(cumulative: catalogue.popularity[cat])
        return i < members.count ? members[i] : 0
    }
}
