import CompressNIO
import Foundation
import Hummingbird
import NIOCore
import RapportCore
import RapportEngine
import RapportIngest

/// The Segment HTTP Tracking API: `/v1/identify|track|page|screen|group|alias|batch|import`
/// and the browser library's short paths `/v1/i|t|p|s|g|a|b`.
struct IngestController {
    let engine: Engine
    let limits: IngestLimits

    /// The paths served; `IngestEndpoint(path:)` says what each one takes.
    static let paths = [
        "identify", "track", "page", "screen", "group", "alias", "batch", "import",
        "i", "t", "p", "s", "g", "a", "b",
    ].map { "/v1/" + $0 }

    func addRoutes(to router: Router<RapportRequestContext>) {
        for path in Self.paths {
            guard let endpoint = IngestEndpoint(path: path) else { continue }
            router.post(RouterPath(path)) { request, context in
                try await handle(request, endpoint: endpoint)
            }
        }
    }

    func handle(_ request: Request, endpoint: IngestEndpoint) async throws -> Response {
        do {
            let body = try await readBody(request)
            let result = try await engine.ingest(body: body, endpoint: endpoint, headerKey: Self.basicUser(request))
            if result.rejected.isEmpty { return JSONResponse.make(.object(["success": .bool(true)])) }
            let rejected: [JSONValue] = result.rejected.map { r in
                var o: [String: JSONValue] = [
                    "index": .number(Double(r.index)), "code": .string(r.error.code.rawValue),
                    "message": .string(r.error.message),
                ]
                if let id = r.messageId { o["messageId"] = .string(id) }
                return .object(o)
            }
            return JSONResponse.make(.object([
                "success": .bool(true), "accepted": .number(Double(result.accepted + result.duplicates)),
                "rejected": .array(rejected),
            ]))
        } catch let e as RapportError {
            if e.code != .unauthorized { Engine.recordRejectedRequest(code: e.code.rawValue) }
            return JSONResponse.error(e)
        }
    }

    /// The body, gunzipped if `Content-Encoding: gzip`, within the request limit.
    func readBody(_ request: Request) async throws -> [UInt8] {
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces)
        // A compressed body may not be larger than the limit either.
        var buffer = try await request.collectBody(limit: limits.maxRequestBytes)
        switch encoding {
        case nil, "", "identity":
            return Array(buffer.readableBytesView)
        case "gzip", "x-gzip", "deflate":
            do {
                let algorithm: CompressionAlgorithm = encoding == "deflate" ? .zlib() : .gzip()
                let out = try buffer.decompress(with: algorithm, maxSize: limits.maxRequestBytes)
                return Array(out.readableBytesView)
            } catch let e as CompressNIOError where e == .bufferOverflow {
                throw RapportError(.requestTooLarge,
                                   "the decompressed request body is larger than \(limits.maxRequestBytes) bytes")
            } catch {
                throw RapportError(.invalidEncoding, "the body is not valid \(encoding ?? "gzip") data")
            }
        default:
            throw RapportError(.invalidEncoding, "unsupported Content-Encoding \"\(encoding ?? "")\"; use gzip")
        }
    }

    /// The user name of HTTP Basic auth: the write key.
    static func basicUser(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",  // trap-ok: count checked
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),  // trap-ok
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        if let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return text
    }
}
