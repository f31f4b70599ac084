/// The blocked values in a form that is cheap to test against: ASCII values
/// as lower-cased bytes bucketed by length, so the common case (a value with
/// no bucket of its length, or a few short candidates) neither allocates nor
/// lower-cases the value.
final class BlockedValueTable: Sendable {
    /// `asciiByLength[n]`: the lower-cased ASCII blocked values of `n` bytes.
    private let asciiByLength: [[[UInt8]]]
    /// Blocked values with non-ASCII characters, lower-cased.
    private let nonASCII: Set<String>

    init(values: [String]) {
        var asciiByLength: [[[UInt8]]] = []
        var nonASCII: Set<String> = []
        for raw in values {
            let value = IdentifierNormalizer.trimmed(raw)
            if value.utf8.allSatisfy({ $0 < 0x80 }) {
                let bytes = value.utf8.map(asciiLower)
                while asciiByLength.count <= bytes.count { asciiByLength.append([]) }
                if !asciiByLength[bytes.count].contains(bytes) {  // trap-ok: grown above
                    asciiByLength[bytes.count].append(bytes)  // trap-ok: grown above
                }
            } else {
                nonASCII.insert(value.lowercased())
            }
        }
        self.asciiByLength = asciiByLength
        self.nonASCII = nonASCII
    }

    /// Whether the (already trimmed) value is blocked, ignoring case.
    func contains(_ value: String) -> Bool {
        let utf8 = value.utf8
        let n = utf8.count
        if n < asciiByLength.count {
            for candidate in asciiByLength[n] {  // trap-ok: n < count checked
                if utf8.elementsEqual(candidate, by: { asciiLower($0) == $1 }) { return true }
            }
        }
        if !nonASCII.isEmpty, utf8.contains(where: { $0 >= 0x80 }) {
            return nonASCII.contains(value.lowercased())
        }
        return false
    }
}

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}
