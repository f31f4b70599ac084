extension DemoWorld {
    /// The basket of the order placed in session `index` of person `c`.
    func basket(_ c: Int, _ index: UInt16, _ p: CustomerProfile, coupon: Bool) -> DemoBasket {
        var r = DemoRandom(seed: mix64(sessionKey(c, index) &+ basketKey))
        var basket = DemoBasket()
        let lines = 1 + r.pick(cumulative: [55, 83, 95, 100])
        var first: Int?
        for line in 0..<lines {
            var product = pickProduct(p, &r)
            // Products go together: a later line is often the first one's companion (what recommendations find).
            if line > 0, let f = first, r.chance(0.4) { product = companion(of: f) }
            if first == nil { first = product }
            let bulk = product < catalogue.categoryOf.count && catalogue.categoryOf[product] < bulkCategory.count
                && bulkCategory[catalogue.categoryOf[product]]
            let quantity = 1 + r.pick(cumulative: bulk ? [60, 85, 100] : [85, 95, 100])
            if let i = basket.products.firstIndex(of: product) {
                basket.quantities[i] += quantity  // trap-ok: products and quantities grow together
            } else {
                basket.products.append(product)
                basket.quantities.append(quantity)
            }
        }
        for (product, quantity) in zip(basket.products, basket.quantities) where product < catalogue.products.count {
            basket.subtotal += catalogue.products[product].priceCents * quantity
        }
        if coupon {
            let coupons = DemoTables.coupons
            var start = r.int(coupons.count)
            for _ in 0..<coupons.count {
                let candidate = coupons[start % coupons.count]
                if candidate.minimum <= basket.subtotal {
                    basket.coupon = start % coupons.count
                    basket.discount = candidate.percentOff > 0
                        ? basket.subtotal * candidate.percentOff / 100
                        : min(candidate.amount, basket.subtotal)
                    break
                }
                start += 1
            }
        }
        basket.shipping = basket.subtotal >= 9900 ? 0 : 1000
        basket.payment = r.pick(cumulative: DemoTables.paymentCumulative)
        return basket
    }

    /// The product bought with `product` more often than chance: a fixed other product of its category.
    func companion(of product: Int) -> Int {
        guard product >= 0, product < catalogue.categoryOf.count else { return product }
        let cat = catalogue.categoryOf[product]  // trap-ok: checked
        guard cat < catalogue.byCategory.count else { return product }
        let members = catalogue.byCategory[cat]  // trap-ok: checked
        guard let j = members.firstIndex(of: product), members.count > 1 else { return product }
        return members[(j + 7) % members.count]  // trap-ok: modulo count
    }
}
