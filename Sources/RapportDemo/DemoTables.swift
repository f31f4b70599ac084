/// Fixed reference tables the demo generator draws from: names, cities,
/// devices, campaigns, search queries. Plain data, no randomness.
enum DemoTables {
    struct NamePart: Sendable {
        let cn: StaticString
        let py: StaticString
    }

    struct City: Sendable {
        let cn: StaticString
        let en: StaticString
        let country: StaticString
        let weight: Double
        let ipPrefix: StaticString
        let timezone: StaticString
        let locale: StaticString
        let offsetMinutes: Int
        /// The flagship store in the city, if the platform has one there.
        let storeName: StaticString
        let storeId: StaticString
        var hasStore: Bool { storeId.utf8CodeUnitCount > 0 }
    }

    struct Device: Sendable {
        let manufacturer: StaticString
        let model: StaticString
        let marketingName: StaticString
        let ios: Bool
        let osName: StaticString
        let osVersion: StaticString
        let width: Int
        let height: Int
        let weight: Double
    }

    struct Campaign: Sendable {
        let source: StaticString
        let medium: StaticString
        let name: StaticString
        let term: StaticString
        let referrer: StaticString
    }

    struct Coupon: Sendable {
        let id: StaticString
        let name: StaticString
        /// Minimum subtotal in cents.
        let minimum: Int
        /// Discount in cents (when `percentOff` is 0).
        let amount: Int
        let percentOff: Int
    }

    static let idAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static let surnames: [NamePart] = [
        NamePart(cn: "王", py: "wang"), NamePart(cn: "李", py: "li"), NamePart(cn: "张", py: "zhang"),
        NamePart(cn: "刘", py: "liu"), NamePart(cn: "陈", py: "chen"), NamePart(cn: "杨", py: "yang"),
        NamePart(cn: "黄", py: "huang"), NamePart(cn: "赵", py: "zhao"), NamePart(cn: "吴", py: "wu"),
        NamePart(cn: "周", py: "zhou"), NamePart(cn: "徐", py: "xu"), NamePart(cn: "孙", py: "sun"),
        NamePart(cn: "马", py: "ma"), NamePart(cn: "朱", py: "zhu"), NamePart(cn: "胡", py: "hu"),
        NamePart(cn: "郭", py: "guo"), NamePart(cn: "何", py: "he"), NamePart(cn: "林", py: "lin"),
        NamePart(cn: "高", py: "gao"), NamePart(cn: "罗", py: "luo"), NamePart(cn: "郑", py: "zheng"),
        NamePart(cn: "梁", py: "liang"), NamePart(cn: "谢", py: "xie"), NamePart(cn: "宋", py: "song"),
        NamePart(cn: "唐", py: "tang"), NamePart(cn: "韩", py: "han"), NamePart(cn: "冯", py: "feng"),
        NamePart(cn: "邓", py: "deng"), NamePart(cn: "曹", py: "cao"), NamePart(cn: "欧阳", py: "ouyang"),
    ]

    static let femaleGiven: [NamePart] = [
        NamePart(cn: "丽", py: "li"), NamePart(cn: "娜", py: "na"), NamePart(cn: "静", py: "jing"),
        NamePart(cn: "敏", py: "min"), NamePart(cn: "婷", py: "ting"), NamePart(cn: "雪", py: "xue"),
        NamePart(cn: "芳", py: "fang"), NamePart(cn: "燕", py: "yan"), NamePart(cn: "玲", py: "ling"),
        NamePart(cn: "慧", py: "hui"), NamePart(cn: "欣", py: "xin"), NamePart(cn: "怡", py: "yi"),
        NamePart(cn: "佳", py: "jia"), NamePart(cn: "悦", py: "yue"), NamePart(cn: "琳", py: "lin"),
        NamePart(cn: "晓", py: "xiao"), NamePart(cn: "梦", py: "meng"), NamePart(cn: "雨", py: "yu"),
        NamePart(cn: "思", py: "si"), NamePart(cn: "诗", py: "shi"),
    ]

    static let maleGiven: [NamePart] = [
        NamePart(cn: "伟", py: "wei"), NamePart(cn: "强", py: "qiang"), NamePart(cn: "磊", py: "lei"),
        NamePart(cn: "军", py: "jun"), NamePart(cn: "杰", py: "jie"), NamePart(cn: "涛", py: "tao"),
        NamePart(cn: "明", py: "ming"), NamePart(cn: "超", py: "chao"), NamePart(cn: "勇", py: "yong"),
        NamePart(cn: "鹏", py: "peng"), NamePart(cn: "浩", py: "hao"), NamePart(cn: "宇", py: "yu"),
        NamePart(cn: "俊", py: "jun"), NamePart(cn: "峰", py: "feng"), NamePart(cn: "凯", py: "kai"),
        NamePart(cn: "斌", py: "bin"), NamePart(cn: "志", py: "zhi"), NamePart(cn: "华", py: "hua"),
        NamePart(cn: "建", py: "jian"), NamePart(cn: "文", py: "wen"),
    ]

    static let englishFemale: [StaticString] = [
        "Emily", "Grace", "Sophie", "Amy", "Lily", "Vivian", "Cindy", "Iris", "Olivia", "Chloe",
    ]
    static let englishMale: [StaticString] = [
        "David", "Kevin", "Jason", "Michael", "Eric", "Tony", "Leo", "Ryan", "Peter", "Andy",
    ]

    static let cities: [City] = [
        City(cn: "上海", en: "Shanghai", country: "CN", weight: 16, ipPrefix: "101.80", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "上海南京西路旗舰店", storeId: "S021-01"),
        City(cn: "北京", en: "Beijing", country: "CN", weight: 14, ipPrefix: "123.112", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "北京三里屯店", storeId: "S010-01"),
        City(cn: "广州", en: "Guangzhou", country: "CN", weight: 10, ipPrefix: "113.108", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "广州天河城店", storeId: "S020-01"),
        City(cn: "深圳", en: "Shenzhen", country: "CN", weight: 10, ipPrefix: "183.14", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "深圳万象城店", storeId: "S755-01"),
        City(cn: "杭州", en: "Hangzhou", country: "CN", weight: 9, ipPrefix: "115.192", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "杭州湖滨银泰店", storeId: "S571-01"),
        City(cn: "成都", en: "Chengdu", country: "CN", weight: 8, ipPrefix: "171.88", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "成都太古里店", storeId: "S028-01"),
        City(cn: "武汉", en: "Wuhan", country: "CN", weight: 7, ipPrefix: "111.172", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "武汉楚河汉街店", storeId: "S027-01"),
        City(cn: "南京", en: "Nanjing", country: "CN", weight: 6, ipPrefix: "180.110", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "南京新街口店", storeId: "S025-01"),
        City(cn: "重庆", en: "Chongqing", country: "CN", weight: 6, ipPrefix: "113.204", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "重庆解放碑店", storeId: "S023-01"),
        City(cn: "西安", en: "Xi'an", country: "CN", weight: 5, ipPrefix: "113.137", timezone: "Asia/Shanghai", locale: "zh-CN", offsetMinutes: 480, storeName: "西安钟楼店", storeId: "S029-01"),
        City(cn: "香港", en: "Hong Kong", country: "HK", weight: 3, ipPrefix: "203.186", timezone: "Asia/Hong_Kong", locale: "zh-HK", offsetMinutes: 480, storeName: "香港铜锣湾店", storeId: "S852-01"),
        City(cn: "新加坡", en: "Singapore", country: "SG", weight: 2, ipPrefix: "116.88", timezone: "Asia/Singapore", locale: "en-SG", offsetMinutes: 480, storeName: "", storeId: ""),
        City(cn: "东京", en: "Tokyo", country: "JP", weight: 1.2, ipPrefix: "126.73", timezone: "Asia/Tokyo", locale: "ja-JP", offsetMinutes: 540, storeName: "", storeId: ""),
        City(cn: "悉尼", en: "Sydney", country: "AU", weight: 1, ipPrefix: "1.152", timezone: "Australia/Sydney", locale: "en-AU", offsetMinutes: 600, storeName: "", storeId: ""),
        City(cn: "伦敦", en: "London", country: "GB", weight: 0.8, ipPrefix: "81.2", timezone: "Europe/London", locale: "en-GB", offsetMinutes: 0, storeName: "", storeId: ""),
        City(cn: "纽约", en: "New York", country: "US", weight: 1, ipPrefix: "74.65", timezone: "America/New_York", locale: "en-US", offsetMinutes: -300, storeName: "", storeId: ""),
        City(cn: "吉隆坡", en: "Kuala Lumpur", country: "MY", weight: 0.8, ipPrefix: "175.139", timezone: "Asia/Kuala_Lumpur", locale: "en-MY", offsetMinutes: 480, storeName: "", storeId: ""),
    ]

    /// Index of the first city outside mainland China and Hong Kong.
    static let firstOverseasCity = 11

    static let cityCumulative: [Double] = cumulative(cities.map(\.weight))

    static let occupations: [StaticString] = [
        "软件工程师", "教师", "医生", "设计师", "销售经理", "学生", "公务员", "自由职业",
        "财务", "产品经理", "市场营销", "律师", "护士", "全职妈妈", "创业者", "退休",
    ]

    static let memberLevels: [StaticString] = ["普通会员", "银卡会员", "金卡会员", "钻石会员"]

    static let emailDomains: [StaticString] = [
        "qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com",
        "hotmail.com", "icloud.com", "yahoo.com",
    ]
    static let emailDomainCumulative: [Double] = cumulative([30, 20, 8, 10, 8, 5, 6, 4, 6, 3])

    static let phonePrefixes: [Int] = [
        130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
        159, 166, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 198, 199,
    ]

    static let userAgents: [StaticString] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
        "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.301 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.5359.125 Safari/537.36 QQBrowser/12.5.5562.400",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    ]
    /// Whether user agent `i` is WeChat's in-app browser.
    static func isWeChatBrowser(_ i: Int) -> Bool { i == 2 }
    static let userAgentCumulative: [Double] = cumulative([26, 12, 18, 12, 8, 8, 8, 8])

    static let devices: [Device] = [
        Device(manufacturer: "Apple", model: "iPhone15,2", marketingName: "iPhone 14 Pro", ios: true, osName: "iOS", osVersion: "17.4.1", width: 393, height: 852, weight: 14),
        Device(manufacturer: "Apple", model: "iPhone14,5", marketingName: "iPhone 13", ios: true, osName: "iOS", osVersion: "16.7.5", width: 390, height: 844, weight: 12),
        Device(manufacturer: "Apple", model: "iPhone16,1", marketingName: "iPhone 15 Pro", ios: true, osName: "iOS", osVersion: "17.5", width: 393, height: 852, weight: 9),
        Device(manufacturer: "HUAWEI", model: "NOH-AN00", marketingName: "HUAWEI Mate 40 Pro", ios: false, osName: "HarmonyOS", osVersion: "4.0.0", width: 412, height: 915, weight: 8),
        Device(manufacturer: "HUAWEI", model: "ALN-AL00", marketingName: "HUAWEI Mate 60 Pro", ios: false, osName: "HarmonyOS", osVersion: "4.2.0", width: 412, height: 915, weight: 12),
        Device(manufacturer: "Xiaomi", model: "23127PN0CC", marketingName: "Xiaomi 14", ios: false, osName: "Android", osVersion: "14", width: 393, height: 873, weight: 13),
        Device(manufacturer: "OPPO", model: "PHB110", marketingName: "OPPO Find X5 Pro", ios: false, osName: "Android", osVersion: "13", width: 412, height: 919, weight: 10),
        Device(manufacturer: "vivo", model: "V2309A", marketingName: "vivo X100", ios: false, osName: "Android", osVersion: "14", width: 393, height: 873, weight: 10),
        Device(manufacturer: "HONOR", model: "PGT-AN10", marketingName: "HONOR Magic6", ios: false, osName: "Android", osVersion: "14", width: 412, height: 915, weight: 7),
        Device(manufacturer: "samsung", model: "SM-S9180", marketingName: "Galaxy S23 Ultra", ios: false, osName: "Android", osVersion: "14", width: 412, height: 915, weight: 5),
    ]
    static let deviceCumulative: [Double] = cumulative(devices.map(\.weight))

    static let carriers: [StaticString] = ["中国移动", "中国联通", "中国电信"]

    static let campaigns: [Campaign] = [
        Campaign(source: "baidu", medium: "cpc", name: "brand_search", term: "悦购", referrer: "https://www.baidu.com/"),
        Campaign(source: "baidu", medium: "cpc", name: "category_search", term: "连衣裙 新款", referrer: "https://www.baidu.com/"),
        Campaign(source: "wechat", medium: "social", name: "moments_ad", term: "", referrer: "https://weixin.qq.com/"),
        Campaign(source: "wechat", medium: "social", name: "kol_article", term: "", referrer: "https://mp.weixin.qq.com/"),
        Campaign(source: "weibo", medium: "social", name: "hot_topic", term: "", referrer: "https://weibo.com/"),
        Campaign(source: "douyin", medium: "social", name: "short_video", term: "", referrer: "https://www.douyin.com/"),
        Campaign(source: "douyin", medium: "social", name: "live_stream", term: "", referrer: "https://live.douyin.com/"),
        Campaign(source: "xiaohongshu", medium: "social", name: "seeding_notes", term: "", referrer: "https://www.xiaohongshu.com/"),
        Campaign(source: "bilibili", medium: "social", name: "up_review", term: "", referrer: "https://www.bilibili.com/"),
        Campaign(source: "zhihu", medium: "referral", name: "answer", term: "", referrer: "https://www.zhihu.com/"),
        Campaign(source: "toutiao", medium: "cpc", name: "feed_ads", term: "", referrer: "https://www.toutiao.com/"),
        Campaign(source: "google", medium: "cpc", name: "intl_brand", term: "yuego", referrer: "https://www.google.com/"),
        Campaign(source: "newsletter", medium: "email", name: "weekly_digest", term: "", referrer: ""),
        Campaign(source: "newsletter", medium: "email", name: "winback_coupon", term: "", referrer: ""),
    ]
    /// Campaign weights for acquiring customers in China and abroad.
    static let campaignCumulativeChina: [Double] = cumulative([12, 6, 12, 8, 8, 12, 7, 10, 5, 3, 6, 0, 5, 0])
    static let campaignCumulativeOverseas: [Double] = cumulative([0, 0, 4, 2, 2, 2, 0, 4, 0, 0, 0, 60, 12, 0])
    static let winbackCampaign = 13
    static let newsletterCampaign = 12

    static let coupons: [Coupon] = [
        Coupon(id: "CPN-NEW20", name: "新人券20元", minimum: 0, amount: 2000, percentOff: 0),
        Coupon(id: "CPN-99-10", name: "满99减10", minimum: 9900, amount: 1000, percentOff: 0),
        Coupon(id: "CPN-199-30", name: "满199减30", minimum: 19900, amount: 3000, percentOff: 0),
        Coupon(id: "CPN-500-80", name: "满500减80", minimum: 50000, amount: 8000, percentOff: 0),
        Coupon(id: "CPN-VIP90", name: "会员9折券", minimum: 0, amount: 0, percentOff: 10),
        Coupon(id: "CPN-1111-50", name: "双11跨店满300减50", minimum: 30000, amount: 5000, percentOff: 0),
    ]

    static let paymentMethods: [StaticString] = ["wechat_pay", "alipay", "unionpay", "credit_card", "huabei"]
    static let paymentCumulative: [Double] = cumulative([45, 38, 6, 6, 5])

    static let shareTargets: [StaticString] = ["wechat_friend", "wechat_moments", "weibo", "qq", "copy_link"]

    static let refundReasons: [StaticString] = ["不想要了", "尺码不合适", "商品质量问题", "发错货", "七天无理由退货"]

    /// Search queries by category (same order as the catalogue's categories).
    static let queries: [[StaticString]] = [
        ["连衣裙", "羽绒服 女", "T恤 纯棉", "牛仔裤 男 修身", "卫衣", "跑步鞋", "大衣"],
        ["降噪耳机", "智能手表", "充电宝", "机械键盘 青轴", "手机 256G", "平板", "游戏手柄"],
        ["口红", "防晒霜", "精华 抗老", "面膜", "香水 女", "洗面奶"],
        ["螺蛳粉", "挂耳咖啡", "坚果礼盒", "铁观音", "月饼", "自热火锅", "牛奶"],
        ["扫地机器人", "空气炸锅", "乳胶枕", "四件套", "保温杯", "加湿器"],
        ["三体", "python", "小说 推荐", "活着 余华", "明朝那些事儿", "绘本"],
        ["纸尿裤 L", "奶粉 1段", "婴儿推车", "安全座椅", "湿巾", "辅食"],
    ]

    /// Odd but valid queries: quotes, backslashes, emoji, stray spaces, a newline.
    static let oddQueries: [String] = [
        "\"限时\" 秒杀", "耳机\\无线", "🎧 耳机", "  口红  ", "iPhone 15 Pro Max 256GB",
        "奶粉\n1段", "<script>", "100%纯棉", "café", "",
    ]

    static let appVersions: [(version: StaticString, build: StaticString)] = [
        ("6.0.2", "6002"), ("6.1.0", "6100"), ("6.2.1", "6201"), ("6.3.0", "6300"), ("6.4.2", "6402"),
    ]
    static let miniVersions: [StaticString] = ["3.6.0", "3.7.2", "3.8.1", "3.9.0"]
}
