import Crypto
import Foundation
import _CryptoExtras

/// Credentials: random secrets, their stored hashes, and password hashing.
///
/// Write keys and API tokens are 190-bit random secrets, so one SHA-256 is
/// enough to store them; people's passwords go through PBKDF2.
public enum Secrets {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new random secret with a readable prefix (`wk_…`, `rt_…`).
    public static func generate(prefix: String, length: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        var out = prefix
        for _ in 0..<length {
            let i = Int(rng.next(upperBound: UInt64(alphabet.count)))
            out.append(Character(UnicodeScalar(alphabet[i])))  // trap-ok: i < alphabet.count
        }
        return out
    }

    /// The hex SHA-256 of a secret: what the store keeps.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static let pbkdf2Rounds = 210_000

    /// `pbkdf2$rounds$salt$hash`, the stored form of a password.
    public static func hashPassword(_ password: String) throws -> String {
        let salt = generate(prefix: "", length: 16)
        return try "pbkdf2$\(pbkdf2Rounds)$\(salt)$\(derive(password, salt: salt, rounds: pbkdf2Rounds))"
    }

    /// Whether `password` matches a stored `hashPassword` result.
    public static func verifyPassword(_ password: String, stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 4, parts[0] == "pbkdf2", let rounds = Int(parts[1]), rounds > 0, rounds < 10_000_000,
            let derived = try? derive(password, salt: parts[2], rounds: rounds)
        else { return false }
        return constantTimeEqual(derived, parts[3])
    }

    static func derive(_ password: String, salt: String, rounds: Int) throws -> String {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Data(password.utf8), salt: Data(salt.utf8), using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for (p, q) in zip(x, y) { diff |= p ^ q }
        return diff == 0
    }
}
