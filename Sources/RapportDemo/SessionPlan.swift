/// One planned session of one person: when it starts, what kind it is, and
/// the few facts its messages depend on. 16 bytes, so millions fit easily;
/// the messages themselves are written only when the session's turn comes.
struct SessionPlan {
    /// Seconds after the history's start.
    var second: UInt32
    var customer: UInt32
    /// The session's number within the person's sessions (time order).
    var index: UInt16
    /// For a refund: the ``index`` of the order's session.
    var ref: UInt16
    var kind: UInt8
    /// A ``DemoSource`` index.
    var source: UInt8
    var flags: UInt8
    /// Bit 0: which browser or phone (0 or 1); bits 1–7: campaign index + 1 (0 = none).
    var extra: UInt8

    /// The global order key: sessions of one person are at least an hour
    /// apart, so (second, customer) is unique.
    @inline(__always)
    var key: UInt64 { UInt64(second) << 32 | UInt64(customer) }

    enum Kind {
        static let browse: UInt8 = 0
        static let purchase: UInt8 = 1
        static let store: UInt8 = 2
        static let crm: UInt8 = 3
        static let refund: UInt8 = 4
    }

    enum Flag {
        /// The person is logged in on this browser or device from the start.
        static let identified: UInt8 = 1
        /// The person identifies (logs in) during the session.
        static let identifyHere: UInt8 = 2
        /// … and creates the account doing so.
        static let signup: UInt8 = 4
        /// First session on this browser or device (app: installs).
        static let first: UInt8 = 8
        static let referral: UInt8 = 16
        static let coupon: UInt8 = 32
        /// Blocked-value junk: `userId: "null"` on the web, `phone: "0"` in a store.
        static let junk: UInt8 = 64
        /// Store/web: the customer also gives a name; CRM: odd formatting.
        static let variant: UInt8 = 128
    }

    var slot: UInt8 { extra & 1 }
    /// The campaign index, or nil.
    var campaign: Int? { extra >> 1 == 0 ? nil : Int(extra >> 1) - 1 }
}
