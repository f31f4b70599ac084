import RapportCore

/// How Rapport recognises people: which identifier kinds count, in which
/// order, how many of each a profile may hold, and which values are junk.
///
/// ## Priority
///
/// ``kinds`` is ordered: the first rule is the highest priority. Priority
/// decides which profile an event lands on (see ``ResolutionPlanner``) and,
/// when two identifiers conflict, which one is left out (always the lower
/// one). Kinds that are not listed (for example `hubspot_id` from
/// `context.externalIds`) rank just before `device_id` (after every listed
/// kind if `device_id` is not listed) and may appear ``defaultMaxPerProfile``
/// times on a profile.
///
/// ## Blocked values
///
/// Clients send placeholders such as `"null"`, `"guest"` or an all-zero
/// advertising id; treating those as identifiers would merge strangers. A
/// value is blocked when, after trimming, it equals one of
/// ``blockedValues`` ignoring case, or, with ``blockAllZeros``, when it is
/// made only of `0`s and separators (`-`, `.`, `_`, `:`, `/`, `+`, `(`, `)`,
/// spaces). Phone numbers are checked before and after normalisation, and
/// with ``blockAllZeros`` a phone whose digits after the country calling code
/// are all zeros is blocked too.
///
/// ## Configuration
///
/// The rules are `Codable`, so they can be read from JSON. Every key is
/// optional; a missing key keeps its default:
///
/// ```json
/// {
///   "kinds": [{"kind": "user_id", "maxPerProfile": 1}, {"kind": "email", "maxPerProfile": 3}],
///   "defaultMaxPerProfile": 5,
///   "blockedValues": ["null", "guest"],
///   "blockAllZeros": true,
///   "defaultPhoneRegion": "CN",
///   "maxValueLength": 256
/// }
/// ```
///
/// Decoding validates the rules (see ``validate()``) and throws a
/// ``RapportCore/RapportError`` with code `invalid_configuration` if they
/// make no sense.
public struct IdentityRules: Sendable, Hashable {
    /// One identifier kind and how many identifiers of that kind one profile
    /// (with everything merged into it) may hold.
    public struct KindRule: Sendable, Hashable, Codable {
        /// The kind (`user_id`, `email`, …): lower-case letters, digits and `_`.
        public var kind: String
        /// The most identifiers of this kind a profile may hold.
        public var maxPerProfile: Int

        /// Creates a kind rule.
        public init(kind: String, maxPerProfile: Int) {
            self.kind = kind
            self.maxPerProfile = maxPerProfile
        }
    }

    /// The known kinds, highest priority first.
    public var kinds: [KindRule] { didSet { rebuildKindTable() } }
    /// The limit for kinds not in ``kinds``.
    public var defaultMaxPerProfile: Int { didSet { rebuildKindTable() } }
    /// Placeholder values that are never identifiers, compared ignoring case
    /// after trimming.
    public var blockedValues: [String] { didSet { rebuildBlockedTable() } }
    /// Whether values made only of `0`s and separators are blocked.
    public var blockAllZeros: Bool
    /// The ISO 3166 region (`CN`, `US`, …) whose calling code is given to phone
    /// numbers written without one. See ``PhoneRegion`` for the known regions;
    /// with an unknown region, such numbers are dropped as invalid.
    public var defaultPhoneRegion: String { didSet { phoneRegion = PhoneRegion.named(defaultPhoneRegion) } }
    /// The longest identifier value accepted, in UTF-8 bytes; longer values are
    /// dropped as invalid.
    public var maxValueLength: Int

    // Derived tables, rebuilt when the settings above change.
    private(set) var kindTable: KindTable
    private(set) var blockedTable: BlockedValueTable
    private(set) var phoneRegion: PhoneRegion?

    /// The default kinds, highest priority first: `user_id` (1 per profile),
    /// then `wechat_unionid`, `email`, `phone`, `wechat_openid`, `device_id`
    /// and `anonymous_id` (5 each).
    public static let defaultKinds: [KindRule] = [
        KindRule(kind: Identifier.Kind.userId, maxPerProfile: 1),
        KindRule(kind: Identifier.Kind.wechatUnionId, maxPerProfile: 5),
        KindRule(kind: Identifier.Kind.email, maxPerProfile: 5),
        KindRule(kind: Identifier.Kind.phone, maxPerProfile: 5),
        KindRule(kind: Identifier.Kind.wechatOpenId, maxPerProfile: 5),
        KindRule(kind: Identifier.Kind.deviceId, maxPerProfile: 5),
        KindRule(kind: Identifier.Kind.anonymousId, maxPerProfile: 5),
    ]

    /// The default placeholder values: empty and null-like strings, the
    /// JavaScript and Objective-C spellings of nothing, guest and test users,
    /// the well-known shared Android id, and sample e-mail addresses.
    public static let defaultBlockedValues: [String] = [
        "", "null", "nil", "none", "undefined", "(null)", "<null>", "nan", "true", "false",
        "[object object]", "{}", "[]", "\"\"", "''",
        "anonymous", "anon", "guest", "unknown", "n/a", "na", "not set", "(not set)",
        "0", "-1", "test", "demo",
        "00000000-0000-0000-0000-000000000000",
        "9774d56d682e549c",  // the Android id shared by many devices of one Android 2.2 build
        "test@test.com", "test@example.com", "email@example.com", "user@example.com",
        "noreply@example.com",
    ]

    /// Creates rules; every argument defaults to Rapport's defaults.
    public init(
        kinds: [KindRule] = IdentityRules.defaultKinds,
        defaultMaxPerProfile: Int = 5,
        blockedValues: [String] = IdentityRules.defaultBlockedValues,
        blockAllZeros: Bool = true,
        defaultPhoneRegion: String = "CN",
        maxValueLength: Int = 256
    ) {
        self.kinds = kinds
        self.defaultMaxPerProfile = defaultMaxPerProfile
        self.blockedValues = blockedValues
        self.blockAllZeros = blockAllZeros
        self.defaultPhoneRegion = defaultPhoneRegion
        self.maxValueLength = maxValueLength
        kindTable = KindTable(rules: kinds, defaultMaxPerProfile: defaultMaxPerProfile)
        blockedTable = BlockedValueTable(values: blockedValues)
        phoneRegion = PhoneRegion.named(defaultPhoneRegion)
    }

    /// The most identifiers of `kind` one profile may hold.
    public func maxPerProfile(_ kind: String) -> Int {
        kindTable.maxPerProfile(kind)
    }

    /// The kind's rank: lower ranks are higher priorities.
    public func rank(of kind: String) -> Int {
        kindTable.rank(of: kind)
    }

    /// Whether `a` comes before `b` in priority order: higher-priority kind
    /// first, then kind name (for unlisted kinds of equal rank), then value.
    public func precedes(_ a: Identifier, _ b: Identifier) -> Bool {
        let ra = rank(of: a.kind), rb = rank(of: b.kind)
        return ra != rb ? ra < rb : KindTable.sameRankPrecedes(a, b)
    }

    /// Sorts identifiers into priority order and removes duplicates.
    public func prioritized(_ identifiers: [Identifier]) -> [Identifier] {
        guard identifiers.count > 1 else { return identifiers }
        var sorted = identifiers
        kindTable.sortAndDeduplicate(&sorted)
        return sorted
    }

    /// Checks that the rules make sense: kinds are non-empty, made of
    /// `[a-z0-9_]` and listed once; limits are at least 1; the value length
    /// limit is at least 1; the phone region is one ``PhoneRegion`` knows.
    ///
    /// - Throws: ``RapportCore/RapportError`` with code `invalid_configuration`.
    public func validate() throws {
        var seen = Set<String>()
        for rule in kinds {
            guard IdentifierNormalizer.isValidKindName(rule.kind) else {
                throw RapportError(.configuration, "identity kind \"\(rule.kind)\" must be 1–64 characters of a-z, 0-9 and _")
            }
            guard seen.insert(rule.kind).inserted else {
                throw RapportError(.configuration, "identity kind \"\(rule.kind)\" is listed twice")
            }
            guard rule.maxPerProfile >= 1 else {
                throw RapportError(.configuration, "maxPerProfile of \"\(rule.kind)\" must be at least 1")
            }
        }
        guard defaultMaxPerProfile >= 1 else {
            throw RapportError(.configuration, "defaultMaxPerProfile must be at least 1")
        }
        guard maxValueLength >= 1 else {
            throw RapportError(.configuration, "maxValueLength must be at least 1")
        }
        guard phoneRegion != nil else {
            throw RapportError(.configuration, "unknown defaultPhoneRegion \"\(defaultPhoneRegion)\"")
        }
    }

    private mutating func rebuildKindTable() {
        kindTable = KindTable(rules: kinds, defaultMaxPerProfile: defaultMaxPerProfile)
    }

    private mutating func rebuildBlockedTable() {
        blockedTable = BlockedValueTable(values: blockedValues)
    }

    /// Rules are equal when their settings are.
    public static func == (lhs: IdentityRules, rhs: IdentityRules) -> Bool {
        lhs.kinds == rhs.kinds && lhs.defaultMaxPerProfile == rhs.defaultMaxPerProfile
            && lhs.blockedValues == rhs.blockedValues && lhs.blockAllZeros == rhs.blockAllZeros
            && lhs.defaultPhoneRegion == rhs.defaultPhoneRegion && lhs.maxValueLength == rhs.maxValueLength
    }

    /// Hashes the settings.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kinds)
        hasher.combine(defaultMaxPerProfile)
        hasher.combine(blockedValues)
        hasher.combine(blockAllZeros)
        hasher.combine(defaultPhoneRegion)
        hasher.combine(maxValueLength)
    }
}
