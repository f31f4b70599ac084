/// The channels of the demo platform, as indices into ``DemoGenerator/sources``.
enum DemoSource {
    static let web: UInt8 = 0
    static let app: UInt8 = 1
    static let miniprogram: UInt8 = 2
    static let store: UInt8 = 3
    static let crm: UInt8 = 4
    static let names: [String] = ["web", "app", "miniprogram", "store", "crm"]
    static let onlineMask: UInt8 = 0b111
}
