import RapportCore

/// A computed trait's value before it is shown: what a figure gives.
enum TraitValue: Equatable {
    case missing
    case number(Double)
    /// Milliseconds since 1970 (first and last times), shown as ISO 8601 text.
    case time(Int64)
    case value(JSONValue)

    var json: JSONValue? {
        switch self {
        case .missing: nil
        case .number(let x): .number(x)
        case .time(let t): .string(Timestamp.formatISO8601(t))
        case .value(let v): v
        }
    }
}

/// One computed trait's values by profile position, in the form its figure
/// gives: numbers (NaN: none), times (`Int64.min`: none) or JSON values
/// (as ids into a table of the distinct values).
struct TraitColumn: Sendable {
    enum Kind: Sendable { case numbers, times, values }
    let kind: Kind
    private(set) var numbers: [Double] = []
    private(set) var times: [Int64] = []
    /// Each position's value id + 1 in ``items`` (0: none).
    private(set) var valueIds: [UInt32] = []
    private(set) var items: [JSONValue] = []
    /// Finds a value's id in ``items``; built when a value is first set.
    private var lookup: [JSONValue: UInt32] = [:]

    /// An empty column for this expression's figure.
    init(for expression: TraitExpression, count: Int = 0) {
        switch expression.figure {
        case .aggregate(.firstTime), .aggregate(.lastTime):
            kind = .times
            times = Array(repeating: .min, count: count)
        case .aggregate:
            kind = .numbers
            numbers = Array(repeating: .nan, count: count)
        case .mostFrequent, .firstValue, .lastValue:
            kind = .values
            valueIds = Array(repeating: 0, count: count)
        }
    }

    init(numbers: [Double]) {
        kind = .numbers
        self.numbers = numbers
    }

    init(times: [Int64]) {
        kind = .times
        self.times = times
    }

    /// Values by id + 1 into `items`, which must be distinct.
    init(valueIds: [UInt32], items: [JSONValue]) {
        kind = .values
        self.valueIds = valueIds
        self.items = items
    }

    func value(at pos: Int) -> TraitValue {
        guard pos >= 0 else { return .missing }
        switch kind {
        case .numbers:
            guard pos < numbers.count, !numbers[pos].isNaN else { return .missing }  // trap-ok: checked
            return .number(numbers[pos])  // trap-ok: checked
        case .times:
            guard pos < times.count, times[pos] != .min else { return .missing }  // trap-ok: checked
            return .time(times[pos])  // trap-ok: checked
        case .values:
            guard pos < valueIds.count else { return .missing }  // trap-ok: checked
            let id = Int(valueIds[pos])  // trap-ok: checked
            guard id > 0, id <= items.count else { return .missing }  // trap-ok: checked
            return .value(items[id - 1])  // trap-ok: checked
        }
    }

    /// Stores a value, growing the column as needed.
    mutating func set(_ v: TraitValue, at pos: Int) {
        guard pos >= 0 else { return }
        switch kind {
        case .numbers:
            if pos >= numbers.count { numbers.append(contentsOf: repeatElement(.nan, count: pos + 1 - numbers.count)) }
            if case .number(let x) = v { numbers[pos] = x } else { numbers[pos] = .nan }  // trap-ok: grown above
        case .times:
            if pos >= times.count { times.append(contentsOf: repeatElement(.min, count: pos + 1 - times.count)) }
            if case .time(let t) = v { times[pos] = t } else { times[pos] = .min }  // trap-ok: grown above
        case .values:
            if pos >= valueIds.count { valueIds.append(contentsOf: repeatElement(0, count: pos + 1 - valueIds.count)) }
            guard let json = v.json else {
                valueIds[pos] = 0  // trap-ok: grown above
                return
            }
            if lookup.isEmpty, !items.isEmpty {
                lookup = Dictionary(items.enumerated().map { ($1, UInt32(truncatingIfNeeded: $0)) }, uniquingKeysWith: { a, _ in a })
            }
            let id: UInt32
            if let known = lookup[json] {
                id = known
            } else {
                id = UInt32(truncatingIfNeeded: items.count)
                items.append(json)
                lookup[json] = id
            }
            valueIds[pos] = id &+ 1  // trap-ok: grown above
        }
    }
}
