import RapportCore
import RapportIdentity

/// A dictionary-based identity graph for tests, with the tiny applier the
/// engine would be.
struct FakeIdentityGraph: IdentityGraphLookup {
    struct ApplyError: Error, CustomStringConvertible {
        var description: String
    }

    var owners: [Identifier: ProfileID] = [:]
    var mergedInto: [ProfileID: ProfileID] = [:]
    var profiles: [ProfileID] = []
    var blockedPairs: [(ProfileID, ProfileID)] = []
    var nextID: Int64 = 1

    func owner(of identifier: Identifier) -> ProfileID? { owners[identifier] }

    func canonical(_ profile: ProfileID) -> ProfileID {
        var current = profile
        var steps = 0
        while let next = mergedInto[current], steps < 10_000 {
            current = next
            steps += 1
        }
        return current
    }

    func identifierCounts(of canonical: ProfileID) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (id, owner) in owners where self.canonical(owner) == canonical {
            counts[id.kind, default: 0] += 1
        }
        return counts
    }

    func isMergeBlocked(_ a: ProfileID, _ b: ProfileID) -> Bool {
        blockedPairs.contains { pair in
            let x = canonical(pair.0), y = canonical(pair.1)
            return (x == a && y == b) || (x == b && y == a)
        }
    }

    var canonicalProfiles: [ProfileID] { profiles.filter { mergedInto[$0] == nil } }

    mutating func newProfile() -> ProfileID {
        let id = ProfileID(nextID)
        nextID += 1
        profiles.append(id)
        return id
    }

    /// A new profile holding these identifiers (`kind:value` strings).
    @discardableResult
    mutating func profile(_ identifiers: String...) -> ProfileID {
        let p = newProfile()
        for text in identifiers {
            if let id = Identifier(parsing: text) { owners[id] = p }
        }
        return p
    }

    mutating func merge(_ from: ProfileID, into: ProfileID) {
        mergedInto[from] = into
    }

    /// Applies a plan as the engine would, checking it is applicable.
    /// Returns the target.
    @discardableResult
    mutating func apply(_ plan: ResolutionPlan) throws -> ProfileID {
        let target: ProfileID
        switch plan.target {
        case .new:
            guard plan.merges.isEmpty else { throw ApplyError(description: "merges into a new target") }
            target = newProfile()
        case .existing(let p):
            guard canonical(p) == p else { throw ApplyError(description: "target \(p) is not canonical") }
            target = p
        }
        var seen: Set<ProfileID> = []
        for merge in plan.merges {
            guard merge.into == target else { throw ApplyError(description: "merge into \(merge.into), not the target") }
            guard merge.from != target, canonical(merge.from) == merge.from else {
                throw ApplyError(description: "merge from \(merge.from), which is the target or not canonical")
            }
            guard seen.insert(merge.from).inserted else { throw ApplyError(description: "\(merge.from) merged twice") }
            guard let owner = owners[merge.via], owner != target, canonical(owner) == merge.from else {
                throw ApplyError(description: "merge via \(merge.via), which \(merge.from) does not own")
            }
            mergedInto[merge.from] = target
        }
        for id in plan.attach {
            guard owners[id] == nil else { throw ApplyError(description: "\(id) is already owned") }
            owners[id] = target
        }
        return target
    }
}
