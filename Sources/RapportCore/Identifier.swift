/// A way to recognise a person: a kind (`user_id`, `email`, `phone`, …) and a
/// normalised value.
public struct Identifier: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var value: String

    public init(kind: String, value: String) {
        self.kind = kind
        self.value = value
    }

    /// Parses `kind:value` (the form the API accepts in `?identifier=`).
    /// The value may itself contain colons.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let kind = String(text[..<colon])
        let value = String(text[text.index(after: colon)...])
        guard !kind.isEmpty, !value.isEmpty else { return nil }
        self.init(kind: kind, value: value)
    }

    public var description: String { "\(kind):\(value)" }

    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        (lhs.kind, lhs.value) < (rhs.kind, rhs.value)
    }
}

extension Identifier {
    /// The identifier kinds Rapport knows by name. Any other kind from
    /// `context.externalIds` is accepted as it is (lower-cased).
    public enum Kind {
        public static let userId = "user_id"
        public static let anonymousId = "anonymous_id"
        public static let email = "email"
        public static let phone = "phone"
        public static let deviceId = "device_id"
        public static let wechatUnionId = "wechat_unionid"
        public static let wechatOpenId = "wechat_openid"
    }
}

/// A profile: one person in one workspace.
///
/// A profile id never changes meaning: when two profiles merge, both ids stay,
/// and the merged-away one points to the one it joined (see the identity graph).
public struct ProfileID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: ProfileID, rhs: ProfileID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A workspace (tenant) id.
public typealias WorkspaceID = Int64
/// A source (channel) id within a workspace.
public typealias SourceID = Int64
