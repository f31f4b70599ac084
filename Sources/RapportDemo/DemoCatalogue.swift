/// The demo platform's product catalogue: about 200 products in seven
/// categories, built from a fixed table with a fixed random stream, so every
/// data set (whatever its seed) sells the same products at the same prices.
struct DemoCatalogue: Sendable {
    struct Category: Sendable {
        let cn: String
        let en: String
        let slug: String
        let code: String
    }

    /// The categories, in the order of ``DemoTables/queries``.
    static let categories: [Category] = [
        Category(cn: "服饰", en: "Apparel", slug: "apparel", code: "APP"),
        Category(cn: "数码", en: "Electronics", slug: "electronics", code: "ELE"),
        Category(cn: "美妆", en: "Beauty", slug: "beauty", code: "BTY"),
        Category(cn: "食品", en: "Food", slug: "food", code: "FOD"),
        Category(cn: "家居", en: "Home", slug: "home", code: "HOM"),
        Category(cn: "图书", en: "Books", slug: "books", code: "BOK"),
        Category(cn: "母婴", en: "Baby", slug: "baby", code: "BAB"),
    ]

    private struct Variant {
        let cn: String
        let en: String
        let code: String
        let percent: Int
    }

    private static let variantSets: [[Variant]] = [
        /* 0 */ [Variant(cn: "黑色", en: "Black", code: "BLK", percent: 100), Variant(cn: "白色", en: "White", code: "WHT", percent: 100),
                 Variant(cn: "藏青色", en: "Navy", code: "NVY", percent: 100), Variant(cn: "灰色", en: "Grey", code: "GRY", percent: 100)],
        /* 1 */ [Variant(cn: "黑色", en: "Black", code: "BLK", percent: 100), Variant(cn: "米白色", en: "Ivory", code: "IVR", percent: 100),
                 Variant(cn: "卡其色", en: "Khaki", code: "KHK", percent: 100)],
        /* 2 */ [Variant(cn: "曜石黑", en: "Obsidian Black", code: "BLK", percent: 100), Variant(cn: "月光白", en: "Moonlight White", code: "WHT", percent: 100)],
        /* 3 */ [Variant(cn: "128GB", en: "128GB", code: "128", percent: 100), Variant(cn: "256GB", en: "256GB", code: "256", percent: 115),
                 Variant(cn: "512GB", en: "512GB", code: "512", percent: 140)],
        /* 4 */ [Variant(cn: "", en: "", code: "STD", percent: 100)],
        /* 5 */ [Variant(cn: "平装", en: "Paperback", code: "PB", percent: 100), Variant(cn: "精装", en: "Hardcover", code: "HC", percent: 160)],
        /* 6 */ [Variant(cn: "#999 正红", en: "#999 Classic Red", code: "999", percent: 100), Variant(cn: "#520 豆沙", en: "#520 Rose Nude", code: "520", percent: 100),
                 Variant(cn: "#888 枫叶红", en: "#888 Maple", code: "888", percent: 100), Variant(cn: "#316 珊瑚", en: "#316 Coral", code: "316", percent: 100)],
        /* 7 */ [Variant(cn: "单件装", en: "Single", code: "1", percent: 100), Variant(cn: "两件装", en: "Twin Pack", code: "2", percent: 190),
                 Variant(cn: "家庭装", en: "Family Pack", code: "F", percent: 260)],
        /* 8 */ [Variant(cn: "标准装", en: "Standard", code: "STD", percent: 100), Variant(cn: "大容量装", en: "Large", code: "LRG", percent: 160)],
        /* 9 */ [Variant(cn: "S码", en: "Size S", code: "S", percent: 100), Variant(cn: "M码", en: "Size M", code: "M", percent: 100),
                 Variant(cn: "L码", en: "Size L", code: "L", percent: 105), Variant(cn: "XL码", en: "Size XL", code: "XL", percent: 110)],
        /* 10 */ [Variant(cn: "1段", en: "Stage 1", code: "S1", percent: 100), Variant(cn: "2段", en: "Stage 2", code: "S2", percent: 97),
                  Variant(cn: "3段", en: "Stage 3", code: "S3", percent: 94)],
        /* 11 */ [Variant(cn: "青轴", en: "Blue Switch", code: "BLU", percent: 100), Variant(cn: "红轴", en: "Red Switch", code: "RED", percent: 100),
                  Variant(cn: "茶轴", en: "Brown Switch", code: "BRN", percent: 100)],
        /* 12 */ [Variant(cn: "16GB+512GB", en: "16GB+512GB", code: "16-512", percent: 100), Variant(cn: "32GB+1TB", en: "32GB+1TB", code: "32-1T", percent: 130)],
        /* 13 */ [Variant(cn: "白茶", en: "White Tea", code: "WTT", percent: 100), Variant(cn: "无花果", en: "Fig", code: "FIG", percent: 100),
                  Variant(cn: "雪松", en: "Cedar", code: "CED", percent: 100)],
        /* 14 */ [Variant(cn: "浅蓝", en: "Light Blue", code: "LBL", percent: 100), Variant(cn: "深蓝", en: "Dark Blue", code: "DBL", percent: 100),
                  Variant(cn: "黑色", en: "Black", code: "BLK", percent: 100)],
        /* 15 */ [Variant(cn: "燕麦色", en: "Oat", code: "OAT", percent: 100), Variant(cn: "雾霾蓝", en: "Haze Blue", code: "HBL", percent: 100),
                  Variant(cn: "樱花粉", en: "Sakura Pink", code: "PNK", percent: 100)],
    ]

    /// (category, code, Chinese name, English name, brand, price in fen, variant set)
    private static let bases: [(Int, String, String, String, String, Int, Int)] = [
        (0, "TEE", "纯棉圆领T恤", "Cotton Crew T-Shirt", "棉田", 7900, 0),
        (0, "JNS", "修身牛仔裤", "Slim Fit Jeans", "UrbanFox", 19900, 14),
        (0, "DRS", "真丝连衣裙", "Silk Dress", "素锦", 59900, 1),
        (0, "DWN", "轻薄羽绒服", "Light Down Jacket", "北极绒光", 89900, 1),
        (0, "HDY", "运动卫衣", "Sports Hoodie", "UrbanFox", 25900, 0),
        (0, "CDG", "针织开衫", "Knit Cardigan", "素锦", 22900, 1),
        (0, "SHT", "休闲衬衫", "Casual Shirt", "棉田", 16900, 1),
        (0, "RUN", "缓震跑步鞋", "Cushioned Running Shoes", "疾风", 45900, 1),
        (0, "COT", "羊毛大衣", "Wool Coat", "素锦", 129900, 1),
        (0, "YGA", "瑜伽裤", "Yoga Leggings", "疾风", 19900, 1),
        (0, "CAP", "棒球帽", "Baseball Cap", "UrbanFox", 9900, 0),
        (0, "CNV", "帆布鞋", "Canvas Sneakers", "疾风", 26900, 1),
        (1, "EAR", "无线降噪耳机", "Wireless ANC Earbuds", "声浪", 89900, 2),
        (1, "WCH", "智能手表", "Smart Watch", "极光", 129900, 2),
        (1, "PWB", "快充移动电源 20000mAh", "Power Bank 20000mAh", "极光", 14900, 2),
        (1, "SPK", "蓝牙音箱", "Bluetooth Speaker", "声浪", 39900, 2),
        (1, "KBD", "机械键盘", "Mechanical Keyboard", "极光", 49900, 11),
        (1, "PHN", "智能手机", "Smartphone", "极光", 399900, 3),
        (1, "TAB", "平板电脑", "Tablet", "极光", 299900, 3),
        (1, "LAP", "轻薄笔记本电脑", "Ultrabook Laptop", "极光", 699900, 12),
        (1, "CHG", "氮化镓充电器 65W", "GaN Charger 65W", "极光", 12900, 4),
        (1, "MOU", "无线鼠标", "Wireless Mouse", "极光", 19900, 2),
        (1, "BND", "智能手环", "Smart Band", "极光", 24900, 2),
        (1, "RDR", "电子书阅读器", "E-reader", "墨水屏", 99900, 4),
        (1, "PRJ", "家用投影仪", "Home Projector", "极光", 249900, 4),
        (1, "PAD", "游戏手柄", "Game Controller", "声浪", 36900, 2),
        (2, "SRM", "修护精华液", "Repair Serum", "花漾", 39900, 8),
        (2, "CRM", "保湿面霜", "Moisturizing Cream", "水润", 29900, 8),
        (2, "LIP", "丝绒口红", "Velvet Lipstick", "花漾", 22900, 6),
        (2, "SUN", "清透防晒霜 SPF50+", "Sunscreen SPF50+", "水润", 16900, 8),
        (2, "MSK", "补水面膜（10片）", "Hydrating Sheet Masks (10)", "水润", 12900, 4),
        (2, "OIL", "温和卸妆油", "Gentle Cleansing Oil", "水润", 18900, 8),
        (2, "PFM", "淡香水 50ml", "Eau de Parfum 50ml", "花漾", 89900, 4),
        (2, "CLN", "氨基酸洗面奶", "Amino Acid Cleanser", "水润", 8900, 4),
        (2, "EYE", "十色眼影盘", "10-Shade Eyeshadow Palette", "花漾", 29900, 4),
        (2, "SHP", "控油洗发水", "Oil Control Shampoo", "水润", 7900, 8),
        (2, "BDY", "身体乳", "Body Lotion", "水润", 9900, 4),
        (2, "TBR", "声波电动牙刷", "Sonic Electric Toothbrush", "极光", 29900, 2),
        (2, "HND", "护手霜", "Hand Cream", "花漾", 5900, 7),
        (3, "NUT", "每日坚果礼盒", "Daily Mixed Nuts Gift Box", "山野", 12900, 7),
        (3, "TEA", "安溪铁观音", "Anxi Tieguanyin Tea", "茶语", 16800, 7),
        (3, "COF", "挂耳咖啡（30袋）", "Drip Coffee (30 bags)", "山野", 8900, 7),
        (3, "LSF", "柳州螺蛳粉（5袋）", "Liuzhou Luosifen (5 packs)", "山野", 5990, 7),
        (3, "JRK", "风干牛肉干", "Air-dried Beef Jerky", "山野", 4990, 7),
        (3, "MNC", "月饼礼盒", "Mooncake Gift Box", "茶语", 23800, 4),
        (3, "MLK", "纯牛奶（24盒）", "Whole Milk (24 cartons)", "牧场", 6990, 7),
        (3, "RCE", "五常大米 5kg", "Wuchang Rice 5kg", "山野", 7990, 4),
        (3, "HTP", "自热火锅", "Self-heating Hotpot", "山野", 2990, 7),
        (3, "CHC", "手工巧克力", "Handmade Chocolate", "茶语", 9900, 7),
        (3, "HNY", "野生蜂蜜", "Wild Honey", "山野", 6800, 4),
        (3, "BNS", "即食燕窝", "Ready-to-eat Bird's Nest", "茶语", 89900, 4),
        (4, "PIL", "乳胶枕", "Latex Pillow", "宜居", 19900, 4),
        (4, "BED", "全棉四件套", "Cotton Bedding Set (4 pcs)", "宜居", 39900, 15),
        (4, "VAC", "扫地机器人", "Robot Vacuum", "极光", 199900, 4),
        (4, "AFR", "空气炸锅", "Air Fryer", "宜居", 39900, 2),
        (4, "CUP", "保温杯", "Insulated Cup", "宜居", 12900, 0),
        (4, "CDL", "香薰蜡烛", "Scented Candle", "宜居", 8900, 13),
        (4, "BOX", "收纳箱", "Storage Box", "宜居", 4990, 7),
        (4, "RCK", "电饭煲", "Rice Cooker", "宜居", 49900, 4),
        (4, "DUV", "四季被", "All-season Duvet", "宜居", 49900, 4),
        (4, "LMP", "护眼台灯", "Eye-care Desk Lamp", "极光", 19900, 2),
        (4, "HUM", "加湿器", "Humidifier", "宜居", 25900, 2),
        (4, "SLP", "居家拖鞋", "House Slippers", "宜居", 3990, 15),
        (4, "CUT", "竹砧板", "Bamboo Cutting Board", "宜居", 6900, 4),
        (4, "DIF", "香薰机", "Aroma Diffuser", "宜居", 19900, 4),
        (5, "3BD", "三体（全集）", "The Three-Body Problem Trilogy", "悦读", 9300, 5),
        (5, "TLV", "活着", "To Live", "悦读", 3500, 5),
        (5, "SAP", "人类简史", "Sapiens", "悦读", 6800, 5),
        (5, "OHY", "百年孤独", "One Hundred Years of Solitude", "悦读", 5500, 5),
        (5, "LPR", "小王子", "The Little Prince", "悦读", 2980, 5),
        (5, "MNG", "明朝那些事儿", "Those Things of the Ming Dynasty", "悦读", 19900, 5),
        (5, "PYT", "Python编程：从入门到实践", "Python Crash Course", "悦读", 8900, 5),
        (5, "HLM", "红楼梦", "Dream of the Red Chamber", "悦读", 5990, 5),
        (5, "ZSN", "置身事内", "Inside the System", "悦读", 6500, 4),
        (5, "RZJ", "认知觉醒", "Cognitive Awakening", "悦读", 4500, 4),
        (5, "LZH", "长安的荔枝", "The Lychee of Chang'an", "悦读", 4500, 4),
        (5, "EEG", "额尔古纳河右岸", "The Last Quarter of the Moon", "悦读", 4200, 4),
        (6, "DPR", "婴儿纸尿裤", "Baby Diapers", "贝贝", 13900, 9),
        (6, "FML", "婴儿配方奶粉 900g", "Infant Formula 900g", "贝贝", 32800, 10),
        (6, "STR", "轻便婴儿推车", "Lightweight Baby Stroller", "贝贝", 189900, 2),
        (6, "SEAT", "儿童安全座椅", "Child Car Seat", "贝贝", 159900, 2),
        (6, "WPS", "婴儿湿巾（80抽×6）", "Baby Wipes (80 x 6)", "贝贝", 4990, 7),
        (6, "BTL", "宽口径奶瓶 240ml", "Wide-neck Baby Bottle 240ml", "贝贝", 11900, 4),
        (6, "BLK", "儿童益智积木", "Educational Building Blocks", "贝贝", 19900, 4),
        (6, "PUR", "婴儿辅食果泥", "Baby Fruit Puree", "贝贝", 3990, 7),
        (6, "PBK", "儿童绘本套装", "Picture Book Set", "悦读", 12800, 4),
        (6, "KCP", "儿童保温杯", "Kids Insulated Cup", "贝贝", 13900, 15),
        (6, "RMP", "婴儿连体衣", "Baby Romper", "贝贝", 8900, 9),
    ]

    let products: [Product]
    /// The category index of each product.
    let categoryOf: [Int]
    /// Product indices of each category.
    let byCategory: [[Int]]
    /// Cumulative popularity weights of each category's products.
    let popularity: [[Double]]

    init() {
        var random = DemoRandom(seed: 0x5EED_CA7A_1065)
        var products: [Product] = []
        var categoryOf: [Int] = []
        var byCategory = [[Int]](repeating: [], count: Self.categories.count)
        for (cat, code, cn, en, brand, price, set) in Self.bases {
            let category = Self.categories[cat]  // trap-ok: table literal, cat < 7
            let variants = Self.variantSets[set]  // trap-ok: table literal, set < 16
            for variant in variants {
                let jitter = 90 + random.int(21)
                let raw = price * variant.percent / 100 * jitter / 100
                let retail = Self.retailPrice(raw)
                let id = "P" + String(10001 + products.count)
                let sku = variant.code == "STD" && variants.count == 1
                    ? "\(category.code)-\(code)" : "\(category.code)-\(code)-\(variant.code)"
                byCategory[cat].append(products.count)  // trap-ok: cat < 7
                categoryOf.append(cat)
                products.append(Product(
                    id: id, sku: sku,
                    name: variant.cn.isEmpty ? cn : "\(cn) \(variant.cn)",
                    englishName: variant.en.isEmpty ? en : "\(en), \(variant.en)",
                    category: category.cn, categoryEnglish: category.en, brand: brand,
                    priceCents: retail))
            }
        }
        // Popularity: a shuffled 1/sqrt(rank) law within each category.
        var popularity: [[Double]] = []
        for members in byCategory {
            var weights = (0..<members.count).map { 1.0 / (Double($0) + 1).squareRoot() }
            for i in stride(from: weights.count - 1, to: 0, by: -1) {
                weights.swapAt(i, random.int(i + 1))
            }
            popularity.append(cumulative(weights))
        }
        self.products = products
        self.categoryOf = categoryOf
        self.byCategory = byCategory
        self.popularity = popularity
    }

    /// Rounds a price in fen to a retail price: `x9` yuan from 100 yuan up,
    /// `x.9` below.
    static func retailPrice(_ fen: Int) -> Int {
        if fen >= 10000 {
            let yuan = (fen + 500) / 1000 * 10 - 1
            return max(99, yuan) * 100
        }
        let yuan = max(1, (fen + 50) / 100)
        return yuan * 100 - 10
    }
}
