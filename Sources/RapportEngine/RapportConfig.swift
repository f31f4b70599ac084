import Foundation
import RapportCore
import RapportIdentity

/// Settings read from a JSON file (`--config FILE`, or `config.json` in the
/// data directory). Every key is optional; missing ones keep their defaults.
///
/// ```json
/// {
///   "identity": {"defaultPhoneRegion": "CN", "blockedValues": ["null", "guest"],
///                "kinds": [{"kind": "user_id", "maxPerProfile": 1}, {"kind": "email", "maxPerProfile": 3}]},
///   "profiles": {"orderEvents": ["Order Completed", "Purchase"], "amountProperties": ["revenue", "total"]}
/// }
/// ```
public struct RapportConfig: Sendable, Decodable {
    public var identity: IdentityRules
    public var profiles: ProfileRules

    public init(identity: IdentityRules = IdentityRules(), profiles: ProfileRules = ProfileRules()) {
        self.identity = identity
        self.profiles = profiles
    }

    enum CodingKeys: String, CodingKey { case identity, profiles }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        identity = try c.decodeIfPresent(IdentityRules.self, forKey: .identity) ?? IdentityRules()
        profiles = try c.decodeIfPresent(ProfileRules.self, forKey: .profiles) ?? ProfileRules()
    }

    /// Reads a config file; a clear `.configuration` error if it is missing or
    /// does not parse, naming the file and what is wrong.
    public static func load(path: String) throws -> RapportConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RapportError(.configuration, "cannot read the config file \(path)")
        }
        do {
            return try JSONDecoder().decode(RapportConfig.self, from: data)
        } catch let e as RapportError {
            throw RapportError(.configuration, "\(path): \(e.message)")
        } catch let DecodingError.dataCorrupted(context) {
            throw RapportError(.configuration, "\(path): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let where_ = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw RapportError(.configuration, "\(path): \(where_): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            let where_ = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw RapportError(.configuration, "\(path): \(where_) is required")
        } catch {
            throw RapportError(.configuration, "\(path): \(error)")
        }
    }
}

extension ProfileRules {
    enum CodingKeys: String, CodingKey { case orderEvents, refundEvents, amountProperties }

    /// Missing keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProfileRules()
        self.init(
            orderEvents: try c.decodeIfPresent(Set<String>.self, forKey: .orderEvents) ?? d.orderEvents,
            refundEvents: try c.decodeIfPresent(Set<String>.self, forKey: .refundEvents) ?? d.refundEvents,
            amountProperties: try c.decodeIfPresent([String].self, forKey: .amountProperties) ?? d.amountProperties)
    }
}
