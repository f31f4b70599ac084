/// Web, app and mini-program sessions: visits, searches, product views,
/// carts, sign-ups and referrals.
extension SessionWriter {

    mutating func writeOnline(_ plan: SessionPlan, _ p: CustomerProfile) {
        let src = plan.source
        let purchase = plan.kind == SessionPlan.Kind.purchase
        var identified = plan.flags & SessionPlan.Flag.identified != 0
        let anonymous = anonymousFragment(plan, junk: plan.flags & SessionPlan.Flag.junk != 0)
        let full = fullFragment(plan)
        let contextBefore: [UInt8]
        let contextAfter: [UInt8]
        // Campaign parameters are on the landing URL (or the install referrer) only.
        var landingContext: [UInt8]? = nil
        switch src {
        case DemoSource.app:
            contextBefore = appContext(plan, p)
            contextAfter = contextBefore
            if plan.campaign != nil { landingContext = appContext(plan, p, campaign: true) }
        case DemoSource.miniprogram:
            contextBefore = miniContext(plan, p, withUnionId: identified)
            contextAfter = identified ? contextBefore : miniContext(plan, p, withUnionId: true)
        default:
            contextBefore = webContext(plan, p)
            contextAfter = contextBefore
            if plan.campaign != nil { landingContext = webContext(plan, p, campaign: true) }
        }
        identity = identified ? full : anonymous
        context = landingContext ?? contextBefore

        let identifyHere = plan.flags & SessionPlan.Flag.identifyHere != 0 && !identified
        let signup = plan.flags & SessionPlan.Flag.signup != 0
        let identifyAt = identifyHere && !purchase ? rng.int(3) : -1
        let basket = purchase ? world.basket(customer, plan.index, p, coupon: plan.flags & SessionPlan.Flag.coupon != 0) : nil

        if src == DemoSource.app {
            let v = appVersion(plan)
            if plan.flags & SessionPlan.Flag.first != 0 {
                var b = track("Application Installed")
                b.raw("\"build\":\""); b.raw(v.build); b.raw("\",\"version\":\""); b.raw(v.version); b.byte(0x22)
                endTrack(&b)
                advance(2, 10)
            }
            var b = track("Application Opened")
            b.raw("\"build\":\""); b.raw(v.build)
            b.raw(plan.flags & SessionPlan.Flag.first != 0 ? "\",\"from_background\":false,\"version\":\"" : "\",\"from_background\":true,\"version\":\"")
            b.raw(v.version); b.byte(0x22)
            endTrack(&b)
            advance(1, 6)
        }
        landing(plan, p)
        context = contextBefore
        advance(3, 40)
        if identifyAt == 0 {
            identify(plan, p, signup: signup, full: full, context: contextAfter)
            identified = true
        }
        // A third of visits bounce after the landing page.
        let bounce = !purchase && rng.chance(0.33)
        if !bounce && rng.chance(purchase ? 0.6 : 0.45) {
            let firstProduct = basket?.products.first ?? -1
            let categories = world.catalogue.categoryOf
            search(plan, p, category: firstProduct >= 0 && firstProduct < categories.count ? categories[firstProduct] : nil)
            advance(5, 40)
        }
        var lastViewed = world.pickProduct(p, &rng)
        let extraViews = purchase ? rng.int(3) : (bounce ? 0 : 1 + rng.int(4))
        for i in 0..<extraViews {
            if i > 0 { lastViewed = world.pickProduct(p, &rng) }
            productView(lastViewed)
            advance(10, 90)
        }
        if identifyAt == 1 {
            identify(plan, p, signup: signup, full: full, context: contextAfter)
            identified = true
        }
        if let basket {
            for (product, quantity) in zip(basket.products, basket.quantities) {
                productView(product)
                advance(10, 80)
                productAdded(plan, product, quantity: quantity)
                advance(3, 30)
            }
            if !identified {
                identify(plan, p, signup: signup, full: full, context: contextAfter)
                identified = true
            }
            checkoutStarted(plan, basket)
            advance(10, 60)
            if basket.coupon >= 0 {
                couponApplied(plan, basket)
                advance(3, 20)
            }
            paymentInfoEntered(plan, basket)
            advance(10, 60)
            orderCompleted(plan, basket, affiliation: src)
            advance(2, 10)
        } else if !bounce && rng.chance(0.3) {
            // Cart abandonment; some reach the checkout, a few enter payment details.
            productAdded(plan, lastViewed, quantity: 1)
            advance(3, 30)
            if identified && rng.chance(0.4) {
                var single = DemoBasket()
                single.products = [lastViewed]
                single.quantities = [1]
                single.subtotal = lastViewed < world.catalogue.products.count ? world.catalogue.products[lastViewed].priceCents : 0
                single.payment = rng.int(DemoTables.paymentMethods.count)
                checkoutStarted(plan, single)
                advance(10, 60)
                if rng.chance(0.4) {
                    paymentInfoEntered(plan, single)
                    advance(10, 60)
                }
            }
        }
        if identifyHere && !identified {
            identify(plan, p, signup: signup, full: full, context: contextAfter)
            identified = true
        }
        if plan.flags & SessionPlan.Flag.referral != 0 && identified {
            referral(plan)
        }
    }

    mutating func landing(_ plan: SessionPlan, _ p: CustomerProfile) {
        switch plan.source {
        case DemoSource.app:
            var b = begin("screen")
            b.raw(",\"name\":\"首页\",\"properties\":{}")
            finish(&b)
        case DemoSource.miniprogram:
            var b = begin("page")
            b.raw(",\"name\":\"首页\",\"properties\":{\"path\":\"pages/index/index\",\"title\":\"悦购\"}")
            finish(&b)
        default:
            let campaign = plan.campaign
            let x = rng.unit()
            var b = begin("page")
            var path = JSONBytes(capacity: 40)
            var title = JSONBytes(capacity: 80)
            if x < (campaign == nil ? 0.55 : 0.3) {
                b.raw(",\"name\":\"Home\",\"properties\":{")
                path.raw("/")
                title.raw("悦购 Yuego - 品质生活，一站购齐")
            } else if x < (campaign == nil ? 0.75 : 0.5) {
                let cats = DemoCatalogue.categories
                let cat = cats[Int(p.pref1) % cats.count]
                b.raw(",\"name\":\"Category\",\"properties\":{\"category\":")
                b.string(cat.cn)
                b.byte(UInt8(ascii: ","))
                path.raw("/c/"); path.raw(Array(cat.slug.utf8))
                title.raw(Array(cat.cn.utf8)); title.raw(" - 悦购")
            } else {
                let product = world.pickProduct(p, &rng)
                let products = world.catalogue.products
                let item = product < products.count ? products[product] : products.first
                b.raw(",\"name\":\"Product\",\"properties\":{")
                path.raw("/p/"); path.raw(Array((item?.id ?? "P10001").utf8))
                title.raw(Array((item?.name ?? "").utf8)); title.raw(" - 悦购")
            }
            b.raw("\"path\":\""); b.raw(path.bytes)
            b.raw("\",\"referrer\":\"")
            if let c = campaign, c < DemoTables.campaigns.count {
                b.raw(DemoTables.campaigns[c].referrer)
            } else if x > 0.9 {
                b.raw("https://www.baidu.com/")
            }
            var utm = JSONBytes(capacity: 100)
            if let c = campaign, c < DemoTables.campaigns.count {
                let info = DemoTables.campaigns[c]
                utm.raw("?utm_source="); utm.raw(info.source)
                utm.raw("&utm_medium="); utm.raw(info.medium)
                utm.raw("&utm_campaign="); utm.raw(info.name)
                b.raw("\",\"search\":\""); b.raw(utm.bytes)
            }
            b.raw("\",\"title\":"); b.escaped(title.bytes)
            b.raw(",\"url\":\"https://www.yuego.cn"); b.raw(path.bytes); b.raw(utm.bytes)
            b.raw("\"}")
            finish(&b)
        }
    }

    mutating func search(_ plan: SessionPlan, _ p: CustomerProfile, category: Int?) {
        let query: [UInt8]
        if rng.chance(0.03) {
            let odd = DemoTables.oddQueries
            query = Array(odd[rng.int(odd.count)].utf8)
        } else {
            let cat = category ?? (rng.chance(0.6) ? Int(p.pref1) : rng.int(DemoCatalogue.categories.count))
            let queries = DemoTables.queries[cat % DemoTables.queries.count]
            query = queries[rng.int(queries.count)].withUTF8Buffer { Array($0) }
        }
        if sourceIndex == DemoSource.web {
            var b = begin("page")
            b.raw(",\"name\":\"Search\",\"properties\":{\"path\":\"/search\",\"search\":\"?q=")
            b.percentEncoded(query)
            b.raw("\",\"title\":\"搜索结果 - 悦购\",\"url\":\"https://www.yuego.cn/search?q=")
            b.percentEncoded(query)
            b.raw("\"}")
            finish(&b)
            advance(1, 4)
        }
        var b = track("Products Searched")
        b.raw("\"query\":")
        b.escaped(query)
        endTrack(&b)
    }

    mutating func productView(_ product: Int) {
        guard product < world.productFields.count else { return }
        switch sourceIndex {
        case DemoSource.app:
            var b = begin("screen")
            b.raw(",\"name\":\"商品详情\",\"properties\":{\"product_id\":\"")
            b.raw(world.productIds[product])
            b.raw("\"}")
            finish(&b)
        case DemoSource.miniprogram:
            var b = begin("page")
            b.raw(",\"name\":\"商品详情\",\"properties\":{")
            b.raw(world.productMiniPage[product])
            b.byte(0x7D)
            finish(&b)
        default:
            var b = begin("page")
            b.raw(",\"name\":\"Product\",\"properties\":{")
            b.raw(world.productWebPage[product])
            b.byte(0x7D)
            finish(&b)
        }
        advance(1, 3)
        var b = track("Product Viewed")
        b.raw(world.productFields[product])
        b.raw(",\"currency\":\"CNY\"")
        endTrack(&b)
    }

    mutating func productAdded(_ plan: SessionPlan, _ product: Int, quantity: Int) {
        guard product < world.productFields.count else { return }
        var b = track("Product Added")
        b.raw("\"cart_id\":\"")
        world.writeCartId(&b, customer, plan.index)
        b.raw("\",")
        b.raw(world.productFields[product])
        b.raw(",\"quantity\":")
        b.int(quantity)
        b.raw(",\"currency\":\"CNY\"")
        endTrack(&b)
    }

    mutating func referral(_ plan: SessionPlan) {
        let targets = DemoTables.shareTargets
        var b = rng.chance(0.6) ? track("Referral Sent") : track("Invite Sent")
        b.raw("\"referral_code\":\"R")
        b.hex(idHigh, digits: 8, upper: true)
        b.raw("\",\"share_via\":\"")
        b.raw(targets[rng.int(targets.count)])
        b.byte(0x22)
        endTrack(&b)
        advance(2, 20)
    }

    mutating func identify(_ plan: SessionPlan, _ p: CustomerProfile, signup: Bool, full: [UInt8], context after: [UInt8]) {
        identity = full
        context = after
        // Logging in with WeChat shares the union id: common in the app for
        // mini-program users, and on the web inside WeChat's browser.
        let wechatLogin = plan.source == DemoSource.app
            ? p.uses(DemoSource.miniprogram) || rng.chance(0.2)
            : plan.source == DemoSource.web && DemoTables.isWeChatBrowser((Int(p.userAgent) + Int(plan.slot) * 3) % DemoTables.userAgents.count)
        var b = begin("identify")
        b.raw(",\"traits\":{")
        switch plan.source {
        case DemoSource.app:
            b.raw("\"phone\":\"")
            world.writePhone(&b, customer, p)
            b.byte(0x22)
            if wechatLogin {
                b.raw(",\"wechat_unionid\":\"")
                world.writeWeChatId(&b, customer, union: true)
                b.byte(0x22)
            }
            if signup {
                if rng.chance(0.3) { b.raw(",\"name\":\""); world.writeName(&b, p); b.byte(0x22) }
                if p.genderKnown && rng.chance(0.5) { b.raw(p.female ? ",\"gender\":\"female\"" : ",\"gender\":\"male\"") }
                b.raw(",\"created_at\":\""); b.iso(ts); b.byte(0x22)
            }
        case DemoSource.miniprogram:
            b.raw("\"wechat_openid\":\"")
            world.writeWeChatId(&b, customer, union: false)
            b.raw("\",\"wechat_unionid\":\"")
            world.writeWeChatId(&b, customer, union: true)
            b.raw("\",\"nickname\":\"")
            if rng.chance(0.4) { b.raw("微信用户") } else { world.writeName(&b, p) }
            b.byte(0x22)
            if p.has(CustomerProfile.Trait.sharesPhoneInMini) {
                b.raw(",\"phone\":\""); world.writePhone(&b, customer, p); b.byte(0x22)
            }
            if p.genderKnown && rng.chance(0.6) { b.raw(p.female ? ",\"gender\":\"female\"" : ",\"gender\":\"male\"") }
            if signup { b.raw(",\"created_at\":\""); b.iso(ts); b.byte(0x22) }
        default:
            b.raw("\"email\":\"")
            world.writeEmail(&b, customer, p)
            b.byte(0x22)
            if wechatLogin {
                b.raw(",\"wechat_unionid\":\"")
                world.writeWeChatId(&b, customer, union: true)
                b.byte(0x22)
            }
            if signup {
                if rng.chance(0.55) { b.raw(",\"phone\":\""); world.writePhone(&b, customer, p); b.byte(0x22) }
                if rng.chance(0.35) { b.raw(",\"name\":\""); world.writeName(&b, p); b.byte(0x22) }
                b.raw(",\"created_at\":\""); b.iso(ts); b.byte(0x22)
            }
        }
        b.byte(0x7D)
        finish(&b)
        advance(1, 5)
        if signup {
            var t = track("Signed Up")
            switch plan.source {
            case DemoSource.miniprogram: t.raw("\"method\":\"wechat\"")
            case _ where wechatLogin: t.raw("\"method\":\"wechat\"")
            case DemoSource.app: t.raw("\"method\":\"phone\"")
            default: t.raw("\"method\":\"email\"")
            }
            // About a third of those no campaign brought in came through a friend's invitation: the friend's
            // code. Decided from the person's key, so the random stream (and the rest of the data) is unchanged.
            if p.acquisitionCampaign == 255, customer > 0, mix64(idHigh ^ 0x00C0_FFEE) % 100 < 30 {
                t.raw(",\"referral_code\":\"R")
                t.hex(world.customerKey(Int(mix64(idHigh ^ 0x0000_0BEE) % UInt64(customer))), digits: 8, upper: true)
                t.byte(0x22)
            }
            endTrack(&t)
            advance(2, 15)
        }
    }
}
