/// What one order contains and costs. Derived from the person and the order's
/// session alone, so the order and a later refund of it agree.
struct DemoBasket {
    var products: [Int] = []
    var quantities: [Int] = []
    var subtotal = 0
    var discount = 0
    var shipping = 0
    /// Index into ``DemoTables/coupons``, or -1.
    var coupon = -1
    var payment = 0

    /// Subtotal less discount (what the platform earns before shipping).
    var revenue: Int { max(0, subtotal - discount) }
    /// What the customer pays.
    var total: Int { revenue + shipping }
}
