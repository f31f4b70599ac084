import Foundation

/// Where Rapport reads the current time. Tests and the demo generator use a
/// fixed or stepped clock; servers use the system clock.
public protocol RapportClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMillis() -> Int64
}

/// The system's wall clock.
public struct SystemClock: RapportClock {
    public init() {}
    public func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// A clock that always says the same time.
public struct FixedClock: RapportClock {
    public var millis: Int64
    public init(millis: Int64) { self.millis = millis }
    public func nowMillis() -> Int64 { millis }
}
