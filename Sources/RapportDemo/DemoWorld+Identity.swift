/// The identifiers of simulated people. Each is derived from the person's
/// index through a bijection, so two people never share one by accident.
extension DemoWorld {
    @inline(__always)
    static func permute32(_ x: UInt32, key: UInt32) -> UInt32 {
        var h = x ^ key
        h ^= h >> 16
        h &*= 0x7FEB_352D
        h ^= h >> 15
        h &*= 0x846C_A68B
        h ^= h >> 16
        return h
    }

    /// The account id: ten digits.
    func writeUserId(_ b: inout JSONBytes, _ c: Int) {
        b.uint(1_000_000_000 + UInt64(Self.permute32(UInt32(truncatingIfNeeded: c), key: userIdKey)))
    }

    /// The 8 digits after a mobile prefix.
    private func phoneTail(_ c: Int) -> UInt64 {
        (UInt64(truncatingIfNeeded: c) &* 73_939_133 &+ phoneOffset) % 100_000_000
    }

    /// A Chinese mobile number. Style 0: `13812345678`; 1: `+86 138 1234 5678`;
    /// 2: `+86-138-1234-5678`.
    func writePhone(_ b: inout JSONBytes, _ c: Int, _ p: CustomerProfile, style: Int = 0) {
        let prefixes = DemoTables.phonePrefixes
        let prefix = Int(p.phonePrefix) < prefixes.count ? prefixes[Int(p.phonePrefix)] : 138
        let tail = Int(phoneTail(c))
        switch style {
        case 1:
            b.raw("+86 "); b.int(prefix); b.byte(0x20); b.padded(tail / 10_000, width: 4); b.byte(0x20); b.padded(tail % 10_000, width: 4)
        case 2:
            b.raw("+86-"); b.int(prefix); b.byte(UInt8(ascii: "-")); b.padded(tail / 10_000, width: 4)
            b.byte(UInt8(ascii: "-")); b.padded(tail % 10_000, width: 4)
        default:
            b.int(prefix); b.padded(tail, width: 8)
        }
    }

    private func emailNumber(_ c: Int) -> UInt64 {
        (UInt64(truncatingIfNeeded: c) &* 48_271 &+ emailOffset) % emailModulus
    }

    private func appendLower(_ b: inout JSONBytes, _ s: StaticString, capitalize: Bool = false, upper: Bool = false) {
        s.withUTF8Buffer { buf in
            for (i, ch) in buf.enumerated() {
                var x = ch
                if (upper || (capitalize && i == 0)) && x >= 0x61 && x <= 0x7A { x -= 0x20 }
                if !upper && !(capitalize && i == 0) && x >= 0x41 && x <= 0x5A { x += 0x20 }
                b.byte(x)
            }
        }
    }

    /// The person's e-mail address (unquoted). `shout` writes it upper-case, as
    /// some CRM records have it.
    func writeEmail(_ b: inout JSONBytes, _ c: Int, _ p: CustomerProfile, shout: Bool = false) {
        let surname = DemoTables.surnames[Int(p.surname) % DemoTables.surnames.count].py
        let givens = p.female ? DemoTables.femaleGiven : DemoTables.maleGiven
        let g1 = givens[Int(p.given1) % givens.count].py
        let n = emailNumber(c)
        let domains = DemoTables.emailDomains
        var domain = domains[Int(p.emailDomain) % domains.count]
        switch p.emailStyle {
        case 0:
            b.uint(10_000 + n)
            domain = "qq.com"
        case 1:
            appendLower(&b, g1, upper: shout)
            if p.given2 != 255 { appendLower(&b, givens[Int(p.given2) % givens.count].py, upper: shout) }
            appendLower(&b, surname, upper: shout)
            b.uint(n)
        case 2:
            appendLower(&b, surname, upper: shout)
            b.byte(UInt8(ascii: "_"))
            appendLower(&b, g1, upper: shout)
            b.uint(n)
        default:
            let names = p.female ? DemoTables.englishFemale : DemoTables.englishMale
            appendLower(&b, names[Int(p.english) % names.count], upper: shout)
            b.byte(UInt8(ascii: "."))
            appendLower(&b, surname, upper: shout)
            b.uint(n)
        }
        b.byte(UInt8(ascii: "@"))
        appendLower(&b, domain, upper: shout)
    }

    /// The person's name (unquoted): `王丽娜`, or `Emily Wang` for those who use
    /// an English name (`chinese` forces the Chinese form).
    func writeName(_ b: inout JSONBytes, _ p: CustomerProfile, chinese: Bool = false) {
        let surname = DemoTables.surnames[Int(p.surname) % DemoTables.surnames.count]
        let givens = p.female ? DemoTables.femaleGiven : DemoTables.maleGiven
        if p.english != 255 && !chinese {
            let names = p.female ? DemoTables.englishFemale : DemoTables.englishMale
            b.raw(names[Int(p.english) % names.count])
            b.byte(0x20)
            appendLower(&b, surname.py, capitalize: true)
            return
        }
        b.raw(surname.cn)
        b.raw(givens[Int(p.given1) % givens.count].cn)
        if p.given2 != 255 { b.raw(givens[Int(p.given2) % givens.count].cn) }
    }

    /// Browser (web) and install (app) anonymous ids: UUIDs. `kind`: 0 web, 1 app, 2 mini-program.
    func writeAnonymousId(_ b: inout JSONBytes, _ c: Int, kind: UInt64, slot: UInt8) {
        let high = mix64((UInt64(truncatingIfNeeded: c) << 3 | kind << 1 | UInt64(slot)) &+ anonKey)
        let low = mix64(high ^ anonKey)
        b.uuid(high, low & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000)
    }

    /// The phone's device id: an upper-case IDFV on iOS, 16 hex digits on Android.
    func writeDeviceId(_ b: inout JSONBytes, _ c: Int, slot: UInt8, ios: Bool) {
        let high = mix64((UInt64(truncatingIfNeeded: c) << 1 | UInt64(slot)) &+ deviceKey)
        if ios { b.uuid(high, mix64(high), upper: true) } else { b.hex(high, digits: 16) }
    }

    /// WeChat ids: 28 characters starting with `o`. The open id is per app, the
    /// union id the same across the platform's WeChat apps.
    func writeWeChatId(_ b: inout JSONBytes, _ c: Int, union: Bool) {
        let v = mix64(UInt64(truncatingIfNeeded: c) &+ (union ? wechatKey : ~wechatKey))
        b.byte(UInt8(ascii: "o"))
        b.base64ish(v, count: 10)  // 60 bits: unique for any realistic count of people
        b.base64ish(mix64(v), count: 10)
        b.base64ish(mix64(v ^ 0x55), count: 7)
    }

    /// The CRM's contact id: `C` and 8 digits.
    func writeCRMId(_ b: inout JSONBytes, _ c: Int) {
        b.byte(UInt8(ascii: "C"))
        b.padded(Int((UInt64(truncatingIfNeeded: c) &* 7_654_321 &+ (crmKey % 100_000_000)) % 100_000_000), width: 8)
    }

    @inline(__always)
    func sessionKey(_ c: Int, _ index: UInt16) -> UInt64 {
        UInt64(truncatingIfNeeded: c) << 16 | UInt64(index)
    }

    /// An order id: `YG` and up to 20 digits.
    func writeOrderId(_ b: inout JSONBytes, _ c: Int, _ index: UInt16) {
        b.raw("YG")
        b.uint(mix64(sessionKey(c, index) &+ orderKey))
    }

    /// A store receipt id, used as the anonymous id of an in-store purchase.
    func writeReceiptId(_ b: inout JSONBytes, _ c: Int, _ index: UInt16, storeId: StaticString) {
        b.raw("POS-")
        b.raw(storeId)
        b.byte(UInt8(ascii: "-"))
        b.hex(mix64(sessionKey(c, index) &+ receiptKey), digits: 16, upper: true)
    }

    func writeCartId(_ b: inout JSONBytes, _ c: Int, _ index: UInt16) {
        b.hex(mix64(sessionKey(c, index) &+ cartKey), digits: 16)
    }
}
