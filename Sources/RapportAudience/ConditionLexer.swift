/// A token of the condition language, with where it starts.
struct ConditionToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A bare word: a keyword or a name (letters of any script, digits, `_`).
        case word(String)
        /// A name in backticks: `` `会员 等级` ``.
        case quotedName(String)
        /// Text in `"…"`, `'…'` or `“…”`.
        case string(String)
        case number(Double)
        /// `=`, `!=`, `<`, `<=`, `>`, `>=`, `(`, `)`, `,`, `.`
        case symbol(String)
        case end
    }

    var kind: Kind
    var line: Int
    var column: Int

    /// How the token reads in an error message.
    var shown: String {
        switch kind {
        case .word(let w): "\"\(w)\""
        case .quotedName(let n): "`\(n)`"
        case .string(let s): "the text \"\(s.count > 30 ? String(s.prefix(30)) + "…" : s)\""
        case .number(let n): "the number \(ConditionText.number(n))"
        case .symbol(let s): "\"\(s)\""
        case .end: "the end of the condition"
        }
    }

    /// The keyword, lower-cased, if this is a bare word.
    var keyword: String? {
        if case .word(let w) = kind { return w.lowercased() }
        return nil
    }
}

/// Splits a condition into tokens.
struct ConditionLexer {
    private let scalars: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var column = 1

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    mutating func tokens() throws(ConditionError) -> [ConditionToken] {
        var out: [ConditionToken] = []
        while true {
            let t = try next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let j = i + offset
        return j >= 0 && j < scalars.count ? scalars[j] : nil  // trap-ok: checked
    }

    private mutating func advance() {
        guard let c = peek() else { return }
        i += 1
        if c == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }

    private func error(_ message: String, line: Int, column: Int, expected: [String] = []) -> ConditionError {
        ConditionError(.syntax, message, line: line, column: column, expected: expected)
    }

    private mutating func next() throws(ConditionError) -> ConditionToken {
        // Spaces (any Unicode white space, the ideographic one included) and `#` comments to the end of the line.
        while let c = peek() {
            if c.properties.isWhitespace {
                advance()
            } else if c == "#" {
                while let d = peek(), d != "\n" { advance() }
            } else {
                break
            }
        }
        let startLine = line, startColumn = column
        func token(_ kind: ConditionToken.Kind) -> ConditionToken {
            ConditionToken(kind: kind, line: startLine, column: startColumn)
        }
        guard let c = peek() else { return token(.end) }
        switch c {
        case "\"", "'", "“", "‘", "「":
            return token(.string(try string(closing: Self.closing(c), line: startLine, column: startColumn)))
        case "`":
            advance()
            var name = ""
            while let d = peek(), d != "`" {
                guard d != "\n" else { break }
                name.unicodeScalars.append(d)
                advance()
            }
            guard peek() == "`" else {
                throw error("a name in backticks is not closed", line: startLine, column: startColumn, expected: ["`"])
            }
            advance()
            guard !name.isEmpty else {
                throw error("a name in backticks is empty", line: startLine, column: startColumn, expected: ["a name"])
            }
            return token(.quotedName(name))
        case "=", "<", ">", "!", "(", ")", ",", ".", "（", "）", "，":
            if c == ".", let d = peek(1), ("0"..."9").contains(d) { return token(.number(try number())) }
            advance()
            let two: String? = switch (c, peek()) {
            case ("=", "="): "="
            case ("!", "="), ("<", ">"): "!="
            case ("<", "="): "<="
            case (">", "="): ">="
            default: nil
            }
            if let two {
                advance()
                return token(.symbol(two))
            }
            if c == "!" {
                throw error("\"!\" must be followed by \"=\"", line: startLine, column: startColumn, expected: ["!="])
            }
            // Full-width parentheses and comma, as Chinese input methods type them.
            let ascii: String = switch c {
            case "（": "("
            case "）": ")"
            case "，": ","
            default: String(c)
            }
            return token(.symbol(ascii))
        case "-", "+", "0"..."9":
            return token(.number(try number()))
        default:
            guard Self.isWordCharacter(c) else {
                throw error("\"\(c)\" cannot appear here", line: startLine, column: startColumn,
                            expected: ["a name", "a value", "an operator"])
            }
            var word = ""
            while let d = peek(), Self.isWordCharacter(d) {
                word.unicodeScalars.append(d)
                advance()
            }
            return token(.word(word))
        }
    }

    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "$" || c.properties.isAlphabetic || c.properties.numericType != nil
            || c.properties.generalCategory == .nonspacingMark
    }

    static func closing(_ opening: Unicode.Scalar) -> Unicode.Scalar {
        switch opening {
        case "“": "”"
        case "‘": "’"
        case "「": "」"
        default: opening
        }
    }

    private mutating func string(closing: Unicode.Scalar, line: Int, column: Int) throws(ConditionError) -> String {
        advance()
        var out = ""
        while true {
            guard let c = peek() else {
                throw error("the text that starts here is not closed", line: line, column: column,
                            expected: ["\(closing)"])
            }
            advance()
            if c == closing { return out }
            guard c == "\\" else {
                out.unicodeScalars.append(c)
                continue
            }
            let escLine = self.line, escColumn = self.column - 1
            guard let e = peek() else { continue }
            advance()
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "u":
                guard peek() == "{" else {
                    throw error("expected \"{\" after \\u", line: escLine, column: escColumn, expected: ["\\u{…}"])
                }
                advance()
                var hex = ""
                while let h = peek(), h != "}", hex.count < 8 {
                    hex.unicodeScalars.append(h)
                    advance()
                }
                guard peek() == "}", let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                    throw error("\\u{\(hex)} is not a Unicode character", line: escLine, column: escColumn,
                                expected: ["\\u{hex digits}"])
                }
                advance()
                out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(e)  // \" \' \\ and any other character as itself
            }
        }
    }

    private mutating func number() throws(ConditionError) -> Double {
        let startLine = line, startColumn = column
        var text = ""
        if let s = peek(), s == "-" || s == "+" {
            text.unicodeScalars.append(s)
            advance()
        }
        while let d = peek(), ("0"..."9").contains(d) || d == "." || d == "_" {
            if d != "_" { text.unicodeScalars.append(d) }
            advance()
        }
        if let e = peek(), e == "e" || e == "E", let d = peek(1), ("0"..."9").contains(d) || d == "-" || d == "+" {
            text.unicodeScalars.append(e)
            advance()
            text.unicodeScalars.append(d)
            advance()
            while let d = peek(), ("0"..."9").contains(d) {
                text.unicodeScalars.append(d)
                advance()
            }
        }
        guard let v = Double(text), v.isFinite else {
            throw error("\"\(text)\" is not a number", line: startLine, column: startColumn, expected: ["a number"])
        }
        if let c = peek(), Self.isWordCharacter(c), !("0"..."9").contains(c) {
            // `30days`: a unit needs a space before it; anything else glued to a number is a mistake.
            throw error("a number must be followed by a space, not \"\(c)\"", line: line, column: column,
                        expected: ["a space"])
        }
        return v
    }
}
