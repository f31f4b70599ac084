/// A set of small non-negative integers (profile positions) as bits.
struct Bits: Sendable, Equatable {
    private(set) var words: [UInt64]

    /// `count` bits, all clear (or all set).
    init(count: Int, set: Bool = false) {
        words = Array(repeating: set ? ~0 : 0, count: (max(0, count) + 63) / 64)
        if set, count % 64 != 0, let last = words.indices.last {
            words[last] = (1 << UInt64(count % 64)) - 1  // trap-ok: last of words
        }
    }

    private init(words: [UInt64]) {
        self.words = words
    }

    /// The bits of `universe` for which `test` holds, built a word at a time.
    @inline(__always)
    static func select(within universe: Bits, _ test: (Int) -> Bool) -> Bits {
        var words = universe.words
        for w in words.indices {
            var rest = words[w]  // trap-ok: indices
            var kept: UInt64 = 0
            while rest != 0 {
                let b = rest.trailingZeroBitCount
                if test(w &* 64 &+ b) { kept |= 1 &<< UInt64(b) }
                rest &= rest &- 1
            }
            words[w] = kept  // trap-ok: indices
        }
        return Bits(words: words)
    }

    /// The bits of `universe` at whose position `column` passes `test`
    /// (`absent` standing in past its end). Whole words of the universe are
    /// read straight through the column.
    @inline(__always)
    static func select<T>(within universe: Bits, _ column: [T], absent: T, _ test: (T) -> Bool) -> Bits {
        var words = universe.words
        for w in words.indices {
            let word = words[w]  // trap-ok: indices
            let base = w &* 64
            if word == ~0, base &+ 64 <= column.count {
                var kept: UInt64 = 0
                var b: UInt64 = 0
                for x in column[base..<(base &+ 64)] {  // trap-ok: checked
                    kept |= (test(x) ? 1 : 0) &<< b
                    b &+= 1
                }
                words[w] = kept  // trap-ok: indices
                continue
            }
            var rest = word
            var kept: UInt64 = 0
            while rest != 0 {
                let b = rest.trailingZeroBitCount
                let pos = base &+ b
                if test(pos < column.count ? column[pos] : absent) { kept |= 1 &<< UInt64(b) }  // trap-ok: checked
                rest &= rest &- 1
            }
            words[w] = kept  // trap-ok: indices
        }
        return Bits(words: words)
    }

    /// The number of bits held (a multiple of 64).
    var capacity: Int { words.count * 64 }

    subscript(i: Int) -> Bool {
        get {
            let w = i >> 6
            return w >= 0 && w < words.count && words[w] & (1 << UInt64(i & 63)) != 0  // trap-ok: checked
        }
        set {
            let w = i >> 6
            guard i >= 0 else { return }
            if w >= words.count {
                guard newValue else { return }
                words.append(contentsOf: repeatElement(0, count: w - words.count + 1))
            }
            if newValue { words[w] |= 1 << UInt64(i & 63) } else { words[w] &= ~(1 << UInt64(i & 63)) }  // trap-ok: grown above
        }
    }

    /// Grows to hold at least `count` bits.
    mutating func reserve(_ count: Int) {
        let need = (max(0, count) + 63) / 64
        if need > words.count { words.append(contentsOf: repeatElement(0, count: need - words.count)) }
    }

    mutating func formIntersection(_ other: Bits) {
        for i in words.indices { words[i] &= i < other.words.count ? other.words[i] : 0 }  // trap-ok: checked
    }

    mutating func formUnion(_ other: Bits) {
        reserve(other.capacity)
        for i in other.words.indices { words[i] |= other.words[i] }  // trap-ok: reserved
    }

    /// Every bit of `universe` not set here.
    func complement(within universe: Bits) -> Bits {
        var out = universe
        for i in out.words.indices where i < words.count { out.words[i] &= ~words[i] }  // trap-ok: checked
        return out
    }

    /// The set bits, ascending.
    var positions: [Int] {
        var out: [Int] = []
        for (w, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                out.append(w * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return out
    }

    /// Calls `body` with each set bit, ascending.
    @inline(__always)
    func forEachSet(_ body: (Int) -> Void) {
        for w in words.indices {
            var rest = words[w]  // trap-ok: indices
            while rest != 0 {
                body(w &* 64 &+ rest.trailingZeroBitCount)
                rest &= rest &- 1
            }
        }
    }

    var nonzeroBitCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
