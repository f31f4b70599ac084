/// A product in the demo platform's catalogue.
///
/// Names are Chinese with an English equivalent; prices are in CNY (stored in
/// fen, hundredths of a yuan, so sums are exact).
public struct Product: Sendable, Hashable {
    /// The product id sent as `product_id`, e.g. `P10001`.
    public let id: String
    /// The stock-keeping unit, e.g. `APP-TEE-BLK`.
    public let sku: String
    /// The Chinese product name, e.g. `纯棉圆领T恤 黑色`.
    public let name: String
    /// The English product name, e.g. `Cotton Crew T-Shirt, Black`.
    public let englishName: String
    /// The Chinese category name, e.g. `服饰`.
    public let category: String
    /// The English category name, e.g. `Apparel`.
    public let categoryEnglish: String
    /// The brand.
    public let brand: String
    /// The list price in fen (1/100 CNY).
    public let priceCents: Int

    /// The list price in CNY.
    public var price: Double { Double(priceCents) / 100 }

    public init(
        id: String, sku: String, name: String, englishName: String, category: String,
        categoryEnglish: String, brand: String, priceCents: Int
    ) {
        self.id = id
        self.sku = sku
        self.name = name
        self.englishName = englishName
        self.category = category
        self.categoryEnglish = categoryEnglish
        self.brand = brand
        self.priceCents = priceCents
    }
}
