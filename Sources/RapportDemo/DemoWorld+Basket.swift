extension DemoWorld {
    /// The basket of the order placed in session `index` of person `c`.
    func basket(_ c: Int, _ index: UInt16, _ p: CustomerProfile, coupon: Bool) -> DemoBasket {
        var r = DemoRandom(seed: mix64(sessionKey(c, index) &+ basketKey))
        var basket = DemoBasket()
        let lines = 1 + r.pick(cumulative: [55, 83, 95, 100])
        for _ in 0..<lines {
            let product = pickProduct(p, &r)
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
}
