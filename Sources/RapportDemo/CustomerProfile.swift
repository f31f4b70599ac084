/// The fixed, latent facts about one simulated person, derived from the seed
/// and the person's index: who they are and how they behave. Compact, so a
/// million of them fit in a few tens of megabytes.
struct CustomerProfile {
    var lifecycle: DemoLifecycle
    /// The main channel (a ``DemoSource`` index).
    var primary: UInt8
    /// The channels the person uses, one bit per ``DemoSource`` index.
    var channels: UInt8
    var female: Bool
    var genderKnown: Bool
    var surname: UInt8
    var given1: UInt8
    /// Second character of the given name, or 255 for none.
    var given2: UInt8
    /// English first name index, or 255 for a Chinese name only.
    var english: UInt8
    var city: UInt8
    var occupation: UInt8
    var emailDomain: UInt8
    var emailStyle: UInt8
    var phonePrefix: UInt8
    var pref1: UInt8
    var pref2: UInt8
    var device: UInt8
    var userAgent: UInt8
    var traits: UInt8
    var memberLevel: UInt8
    /// The campaign that brought the person to the website, or 255 for direct.
    var acquisitionCampaign: UInt8
    var birthYear: UInt16
    var birthDayOfYear: UInt16
    var ipTail: UInt16
    /// When a second browser or a new phone comes into use (seconds after the
    /// history's start).
    var switchSecond: UInt32

    /// Bits of ``traits``.
    enum Trait {
        static let secondBrowser: UInt8 = 1
        static let newPhone: UInt8 = 2
        static let referrer: UInt8 = 4
        static let crmKnowsUser: UInt8 = 8
        static let junkClient: UInt8 = 16
        static let sharesPhoneInMini: UInt8 = 32
        static let givesNameInStore: UInt8 = 64
    }

    func uses(_ source: UInt8) -> Bool { channels & (1 << source) != 0 }
    var online: UInt8 { channels & DemoSource.onlineMask }
    func has(_ trait: UInt8) -> Bool { traits & trait != 0 }
}
