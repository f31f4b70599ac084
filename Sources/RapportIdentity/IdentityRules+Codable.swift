import RapportCore

extension IdentityRules: Codable {
    private enum CodingKeys: String, CodingKey {
        case kinds, defaultMaxPerProfile, blockedValues, blockAllZeros, defaultPhoneRegion, maxValueLength
    }

    /// Decodes rules; missing keys keep their defaults. The result is
    /// validated (see ``validate()``).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = IdentityRules()
        self.init(
            kinds: try c.decodeIfPresent([KindRule].self, forKey: .kinds) ?? d.kinds,
            defaultMaxPerProfile: try c.decodeIfPresent(Int.self, forKey: .defaultMaxPerProfile) ?? d.defaultMaxPerProfile,
            blockedValues: try c.decodeIfPresent([String].self, forKey: .blockedValues) ?? d.blockedValues,
            blockAllZeros: try c.decodeIfPresent(Bool.self, forKey: .blockAllZeros) ?? d.blockAllZeros,
            defaultPhoneRegion: (try c.decodeIfPresent(String.self, forKey: .defaultPhoneRegion) ?? d.defaultPhoneRegion),
            maxValueLength: try c.decodeIfPresent(Int.self, forKey: .maxValueLength) ?? d.maxValueLength
        )
        try validate()
    }

    /// Encodes every setting, defaults included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kinds, forKey: .kinds)
        try c.encode(defaultMaxPerProfile, forKey: .defaultMaxPerProfile)
        try c.encode(blockedValues, forKey: .blockedValues)
        try c.encode(blockAllZeros, forKey: .blockAllZeros)
        try c.encode(defaultPhoneRegion, forKey: .defaultPhoneRegion)
        try c.encode(maxValueLength, forKey: .maxValueLength)
    }
}
