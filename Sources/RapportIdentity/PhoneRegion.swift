/// What Rapport knows about one region's telephone numbering: enough to turn
/// a number written the national way into E.164.
///
/// Known regions: CN, HK, MO, TW, SG, MY, JP, KR, US, CA, GB, DE, FR, AU, IN,
/// ID, TH, VN, PH.
public struct PhoneRegion: Sendable, Hashable {
    /// The ISO 3166-1 alpha-2 code (`CN`).
    public var code: String
    /// The country calling code, digits only (`86`).
    public var callingCode: String
    /// The national trunk prefix dialled before national numbers (`0`), or
    /// `nil` if the region has none (HK, MO, SG).
    public var trunkPrefix: String?
    /// The longest national significant number (the digits after the calling
    /// code). A national number longer than this that starts with the calling
    /// code is taken to be an international number missing its `+`
    /// (`8613800138000`).
    public var maxNationalLength: Int
    /// International call prefixes other than `00` (`011` in North America),
    /// longest first. `00` is always understood.
    public var internationalPrefixes: [String]

    /// Creates a region description.
    public init(code: String, callingCode: String, trunkPrefix: String?, maxNationalLength: Int,
                internationalPrefixes: [String] = []) {
        self.code = code
        self.callingCode = callingCode
        self.trunkPrefix = trunkPrefix
        self.maxNationalLength = maxNationalLength
        self.internationalPrefixes = internationalPrefixes
    }

    /// Every region Rapport knows, by code.
    public static let all: [String: PhoneRegion] = {
        let list: [PhoneRegion] = [
            PhoneRegion(code: "CN", callingCode: "86", trunkPrefix: "0", maxNationalLength: 11),
            PhoneRegion(code: "HK", callingCode: "852", trunkPrefix: nil, maxNationalLength: 8),
            PhoneRegion(code: "MO", callingCode: "853", trunkPrefix: nil, maxNationalLength: 8),
            PhoneRegion(code: "TW", callingCode: "886", trunkPrefix: "0", maxNationalLength: 9),
            PhoneRegion(code: "SG", callingCode: "65", trunkPrefix: nil, maxNationalLength: 8),
            PhoneRegion(code: "MY", callingCode: "60", trunkPrefix: "0", maxNationalLength: 10),
            PhoneRegion(code: "JP", callingCode: "81", trunkPrefix: "0", maxNationalLength: 10,
                        internationalPrefixes: ["010"]),
            PhoneRegion(code: "KR", callingCode: "82", trunkPrefix: "0", maxNationalLength: 10),
            PhoneRegion(code: "US", callingCode: "1", trunkPrefix: "1", maxNationalLength: 10,
                        internationalPrefixes: ["011"]),
            PhoneRegion(code: "CA", callingCode: "1", trunkPrefix: "1", maxNationalLength: 10,
                        internationalPrefixes: ["011"]),
            PhoneRegion(code: "GB", callingCode: "44", trunkPrefix: "0", maxNationalLength: 10),
            PhoneRegion(code: "DE", callingCode: "49", trunkPrefix: "0", maxNationalLength: 13),
            PhoneRegion(code: "FR", callingCode: "33", trunkPrefix: "0", maxNationalLength: 9),
            PhoneRegion(code: "AU", callingCode: "61", trunkPrefix: "0", maxNationalLength: 9,
                        internationalPrefixes: ["0011"]),
            PhoneRegion(code: "IN", callingCode: "91", trunkPrefix: "0", maxNationalLength: 10),
            PhoneRegion(code: "ID", callingCode: "62", trunkPrefix: "0", maxNationalLength: 12),
            PhoneRegion(code: "TH", callingCode: "66", trunkPrefix: "0", maxNationalLength: 9),
            PhoneRegion(code: "VN", callingCode: "84", trunkPrefix: "0", maxNationalLength: 10),
            PhoneRegion(code: "PH", callingCode: "63", trunkPrefix: "0", maxNationalLength: 10),
        ]
        var byCode: [String: PhoneRegion] = [:]
        for region in list { byCode[region.code] = region }
        return byCode
    }()

    /// Calling codes of the known regions whose national numbers never start
    /// with their trunk prefix `0`, so a `0` written after the calling code
    /// (`+86 (0)10 …`) can be dropped.
    static let callingCodesWithZeroTrunk: [[UInt8]] = {
        var codes = Set<String>()
        for region in all.values where region.trunkPrefix == "0" { codes.insert(region.callingCode) }
        return codes.sorted().map { Array($0.utf8) }
    }()

    /// The region with this code (case-insensitive), or `nil` if unknown.
    public static func named(_ code: String) -> PhoneRegion? {
        all[code.uppercased()]
    }
}
