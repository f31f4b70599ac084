import Hummingbird
import NIOCore
import RapportAudience
import RapportCore

/// JSON responses built from `JSONValue`.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = value.serialized()
        bytes.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"success":false,"code":…,"message":…}`, the error shape the Segment
    /// and RudderStack SDKs read.
    static func error(_ e: RapportError) -> Response {
        make(.object(["success": .bool(false), "code": .string(e.code.rawValue), "message": .string(e.message)]),
             status: status(for: e.code))
    }

    /// A condition or trait expression refused: where (line, column) and what was expected.
    static func error(_ e: ConditionError) -> Response {
        var o: [String: JSONValue] = [
            "success": .bool(false), "code": .string(e.code.rawValue), "message": .string(e.message),
            "expected": .array(e.expected.map(JSONValue.string)),
        ]
        if e.line > 0 {
            o["line"] = .number(Double(e.line))
            o["column"] = .number(Double(e.column))
        }
        return make(.object(o), status: .badRequest)
    }

    static func status(for code: RapportError.Code) -> HTTPResponse.Status {
        switch code {
        case .requestTooLarge, .messageTooLarge: return .contentTooLarge
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .unavailable, .storage: return .serviceUnavailable
        default: return .badRequest
        }
    }
}

/// Turns any error a handler throws into the JSON error shape (API paths) so
/// that no client ever sees a body it cannot read.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let e as RapportError {
            return JSONResponse.error(e)
        } catch let e as ConditionError {
            return JSONResponse.error(e)
        } catch let e as HTTPError {
            if e.status == .notFound {
                return JSONResponse.error(RapportError(.notFound, "no such endpoint: \(request.method) \(request.uri.path)"))
            }
            return JSONResponse.make(
                .object(["success": .bool(false), "code": .string("http_\(e.status.code)"),
                         "message": .string(e.body ?? e.status.reasonPhrase)]),
                status: e.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return JSONResponse.make(
                .object(["success": .bool(false), "code": .string("internal_error"),
                         "message": .string("internal error; the request was not applied")]),
                status: .internalServerError)
        }
    }
}

extension Request {
    /// Reads the body up to `limit` bytes; more is a `.requestTooLarge` error.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for try await chunk in body {
            if buffer.readableBytes + chunk.readableBytes > limit {
                throw RapportError(.requestTooLarge, "the request body is larger than \(limit) bytes")
            }
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        return buffer
    }
}
