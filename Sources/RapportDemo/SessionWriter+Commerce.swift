/// Checkout, orders, refunds, store purchases and CRM syncs.
extension SessionWriter {
    func writeProducts(_ b: inout JSONBytes, _ basket: DemoBasket, only: Int? = nil) {
        b.raw("\"products\":[")
        var firstItem = true
        for (i, (product, quantity)) in zip(basket.products, basket.quantities).enumerated()
        where product < world.productFields.count && (only == nil || only == i) {
            if !firstItem { b.byte(UInt8(ascii: ",")) }
            firstItem = false
            b.byte(0x7B)
            b.raw(world.productFields[product])
            b.raw(",\"quantity\":")
            b.int(quantity)
            b.byte(0x7D)
        }
        b.byte(UInt8(ascii: "]"))
    }

    mutating func checkoutStarted(_ plan: SessionPlan, _ basket: DemoBasket) {
        var b = track("Checkout Started")
        b.raw("\"order_id\":\"")
        world.writeOrderId(&b, customer, plan.index)
        b.raw("\",\"value\":")
        b.cents(basket.subtotal)
        b.raw(",\"revenue\":")
        b.cents(basket.revenue)
        b.raw(",\"currency\":\"CNY\",")
        writeProducts(&b, basket)
        endTrack(&b)
    }

    mutating func couponApplied(_ plan: SessionPlan, _ basket: DemoBasket) {
        guard basket.coupon >= 0, basket.coupon < DemoTables.coupons.count else { return }
        let coupon = DemoTables.coupons[basket.coupon]
        var b = track("Coupon Applied")
        b.raw("\"order_id\":\"")
        world.writeOrderId(&b, customer, plan.index)
        b.raw("\",\"cart_id\":\"")
        world.writeCartId(&b, customer, plan.index)
        b.raw("\",\"coupon_id\":\"")
        b.raw(coupon.id)
        b.raw("\",\"coupon_name\":\"")
        b.raw(coupon.name)
        b.raw("\",\"discount\":")
        b.cents(basket.discount)
        endTrack(&b)
    }

    mutating func paymentInfoEntered(_ plan: SessionPlan, _ basket: DemoBasket) {
        var b = track("Payment Info Entered")
        b.raw("\"order_id\":\"")
        world.writeOrderId(&b, customer, plan.index)
        b.raw("\",\"payment_method\":\"")
        b.raw(DemoTables.paymentMethods[basket.payment % DemoTables.paymentMethods.count])
        b.byte(0x22)
        endTrack(&b)
    }

    mutating func orderCompleted(_ plan: SessionPlan, _ basket: DemoBasket, affiliation src: UInt8, store: DemoTables.City? = nil) {
        var b = track("Order Completed")
        b.raw("\"order_id\":\"")
        world.writeOrderId(&b, customer, plan.index)
        b.raw("\",\"affiliation\":\"")
        if let store {
            b.raw(store.storeName)
            b.raw("\",\"store_id\":\"")
            b.raw(store.storeId)
        } else {
            switch src {
            case DemoSource.app: b.raw("悦购App")
            case DemoSource.miniprogram: b.raw("悦购小程序")
            default: b.raw("悦购官网")
            }
        }
        b.raw("\",\"subtotal\":")
        b.cents(basket.subtotal)
        b.raw(",\"total\":")
        b.cents(basket.total)
        if rng.chance(0.01) {
            // An oddity some clients send: money as a string.
            b.raw(",\"revenue\":\"")
            b.centsFixed(basket.revenue)
            b.byte(0x22)
        } else {
            b.raw(",\"revenue\":")
            b.cents(basket.revenue)
        }
        b.raw(",\"shipping\":")
        b.cents(basket.shipping)
        b.raw(",\"tax\":0,\"discount\":")
        b.cents(basket.discount)
        if basket.coupon >= 0, basket.coupon < DemoTables.coupons.count {
            b.raw(",\"coupon\":\"")
            b.raw(DemoTables.coupons[basket.coupon].name)
            b.byte(0x22)
        }
        b.raw(",\"currency\":\"CNY\",\"payment_method\":\"")
        b.raw(DemoTables.paymentMethods[basket.payment % DemoTables.paymentMethods.count])
        b.raw("\",")
        writeProducts(&b, basket)
        endTrack(&b)
    }

    // MARK: - Store, CRM, refunds

    mutating func writeStore(_ plan: SessionPlan, _ p: CustomerProfile) {
        let city = cityOf(p)
        localOffset = city.offsetMinutes
        var id = JSONBytes(capacity: 64)
        id.raw(",\"anonymousId\":\"")
        world.writeReceiptId(&id, customer, plan.index, storeId: city.storeId)
        id.byte(0x22)
        identity = id.bytes
        context = storeContext(p)
        let basket = world.basket(customer, plan.index, p, coupon: plan.flags & SessionPlan.Flag.coupon != 0)

        var b = begin("identify")
        b.raw(",\"traits\":{\"phone\":\"")
        if plan.flags & SessionPlan.Flag.junk != 0 { b.byte(0x30) } else { world.writePhone(&b, customer, p) }
        b.byte(0x22)
        if plan.flags & SessionPlan.Flag.variant != 0 {
            b.raw(",\"name\":\"")
            world.writeName(&b, p, chinese: true)
            b.byte(0x22)
        }
        b.raw(",\"store_id\":\"")
        b.raw(city.storeId)
        b.raw("\"}")
        finish(&b)
        advance(20, 180)
        orderCompleted(plan, basket, affiliation: DemoSource.store, store: city)
    }

    mutating func writeCRM(_ plan: SessionPlan, _ p: CustomerProfile) {
        var crmId = JSONBytes(capacity: 12)
        world.writeCRMId(&crmId, customer)
        var id = JSONBytes(capacity: 80)
        if plan.flags & SessionPlan.Flag.identified != 0 {
            id.raw(",\"userId\":\"")
            world.writeUserId(&id, customer)
            id.byte(0x22)
        }
        id.raw(",\"anonymousId\":\"crm-")
        id.raw(crmId.bytes)
        id.byte(0x22)
        identity = id.bytes
        var ctx = JSONBytes(capacity: 160)
        ctx.raw("{\"externalIds\":[{\"collection\":\"users\",\"encoding\":\"none\",\"id\":\"")
        ctx.raw(crmId.bytes)
        ctx.raw("\",\"type\":\"crm_contact_id\"}],\"library\":{\"name\":\"yuego-crm-sync\",\"version\":\"1.0.4\"}}")
        context = ctx.bytes

        let odd = plan.flags & SessionPlan.Flag.variant != 0
        let city = cityOf(p)
        var b = begin("identify")
        b.raw(",\"traits\":{\"name\":\"")
        world.writeName(&b, p)
        b.byte(0x22)
        if plan.flags & SessionPlan.Flag.junk != 0 {
            b.raw(",\"email\":\"\"")
        } else if rng.chance(0.85) {
            b.raw(",\"email\":\"")
            if odd { b.raw("  ") }
            world.writeEmail(&b, customer, p, shout: odd)
            if odd { b.byte(0x20) }
            b.byte(0x22)
        }
        if rng.chance(0.9) {
            b.raw(",\"phone\":\"")
            world.writePhone(&b, customer, p, style: odd ? 1 + rng.int(2) : 0)
            b.byte(0x22)
        }
        if p.genderKnown {
            if odd { b.raw(p.female ? ",\"gender\":\"女\"" : ",\"gender\":\"男\"") }
            else { b.raw(p.female ? ",\"gender\":\"female\"" : ",\"gender\":\"male\"") }
        }
        let birthDays = daysFromCivil(year: Int(p.birthYear), month: 1, day: 1) + Int64(p.birthDayOfYear)
        b.raw(",\"birthday\":\"")
        if odd {
            let (y, m, d) = civilDate(birthDays)
            b.padded(y, width: 4); b.byte(UInt8(ascii: "/")); b.two(m); b.byte(UInt8(ascii: "/")); b.two(d)
        } else {
            b.date(days: birthDays)
        }
        b.raw("\",\"age\":")
        let year = civilDate((world.config.endMillis - 1) / 86_400_000).year
        b.int(max(0, year - Int(p.birthYear)))
        b.raw(",\"city\":\"")
        b.raw(Int(p.city) >= DemoTables.firstOverseasCity ? city.en : city.cn)
        b.raw("\",\"country\":\"")
        b.raw(city.country)
        b.raw("\",\"occupation\":\"")
        b.raw(DemoTables.occupations[Int(p.occupation) % DemoTables.occupations.count])
        b.raw("\",\"member_level\":\"")
        b.raw(DemoTables.memberLevels[Int(p.memberLevel) % DemoTables.memberLevels.count])
        b.raw("\",\"crm_contact_id\":\"")
        b.raw(crmId.bytes)
        b.raw("\"}")
        finish(&b)
    }

    mutating func writeRefund(_ plan: SessionPlan, _ p: CustomerProfile) {
        let basket = world.basket(customer, plan.ref, p, coupon: plan.flags & SessionPlan.Flag.coupon != 0)
        if plan.source == DemoSource.store {
            let city = cityOf(p)
            localOffset = city.offsetMinutes
            var id = JSONBytes(capacity: 64)
            id.raw(",\"anonymousId\":\"")
            world.writeReceiptId(&id, customer, plan.ref, storeId: city.storeId)
            id.byte(0x22)
            identity = id.bytes
            context = storeContext(p)
        } else {
            var orderPlan = plan
            orderPlan.extra &= 1
            identity = fullFragment(orderPlan)
            switch plan.source {
            case DemoSource.app: context = appContext(orderPlan, p)
            case DemoSource.miniprogram: context = miniContext(orderPlan, p, withUnionId: true)
            default: context = webContext(orderPlan, p)
            }
        }
        let partial = basket.products.count > 1 && rng.chance(0.5)
        let line = partial ? rng.int(basket.products.count) : 0
        var b = track("Order Refunded")
        b.raw("\"order_id\":\"")
        world.writeOrderId(&b, customer, plan.ref)
        b.raw("\",\"total\":")
        if partial, line < basket.products.count, basket.products[line] < world.catalogue.products.count {
            b.cents(world.catalogue.products[basket.products[line]].priceCents * basket.quantities[line])
        } else {
            b.cents(basket.total)
        }
        b.raw(",\"currency\":\"CNY\",\"reason\":\"")
        b.raw(DemoTables.refundReasons[rng.int(DemoTables.refundReasons.count)])
        b.byte(0x22)
        if partial {
            b.byte(UInt8(ascii: ","))
            writeProducts(&b, basket, only: line)
        }
        endTrack(&b)
    }
}
