import Hummingbird
import RapportStore

/// The request context: who is calling, once authentication has run.
public struct RapportRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The API token's or console user's principal, if authenticated.
    public var principal: Principal?
    /// The console language chosen for this request.
    public var language: ConsoleLanguage = .en

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// Request bodies are read by the handlers themselves, with their own limits.
    public var maxUploadSize: Int { 1 << 20 }
}
