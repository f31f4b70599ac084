import RapportCore

/// Which profile each projected event landed on, stored compactly: one blob
/// per projection flush instead of one row per event.
///
/// A row of `event_owners` covers the log positions a flush projected. Its
/// blob is a sequence of (position delta, profile id) pairs, each an unsigned
/// LEB128 varint, positions ascending. Appending one row per flush keeps the
/// write sequential however many profiles the events touched; at start-up
/// the projection rebuilds each profile's timeline in memory from the rows.
public enum EventOwnerCoding {
    /// Encodes (profile, position) pairs; they are sorted by position first.
    public static func encode(_ pairs: [(ProfileID, Int64)]) -> [UInt8] {
        let sorted = pairs.sorted { $0.1 < $1.1 }
        var out: [UInt8] = []
        out.reserveCapacity(sorted.count * 5)
        var previous: Int64 = 0
        for (profile, seq) in sorted {
            let (delta, overflow) = seq.subtractingReportingOverflow(previous)
            guard !overflow, delta >= 0, profile.rawValue >= 0 else { continue }
            Varint.write(UInt64(delta), to: &out)
            Varint.write(UInt64(profile.rawValue), to: &out)
            previous = seq
        }
        return out
    }

    /// Calls `body` with each (profile, position) of a blob, in position
    /// order. Stops at the first malformed pair; returns whether the whole
    /// blob decoded.
    @discardableResult
    public static func decode(_ blob: [UInt8], _ body: (ProfileID, Int64) -> Void) -> Bool {
        var i = 0
        var seq: Int64 = 0
        while i < blob.count {
            guard let delta = Varint.read(blob, &i), let profile = Varint.read(blob, &i),
                let d = Int64(exactly: delta), let p = Int64(exactly: profile)
            else { return false }
            let (next, overflow) = seq.addingReportingOverflow(d)
            if overflow { return false }
            seq = next
            body(ProfileID(p), seq)
        }
        return true
    }
}
