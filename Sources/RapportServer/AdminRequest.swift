import Hummingbird
import RapportCore

extension RapportRequestContext {
    /// The `{name}` of the path, percent-decoded (clients send `/v1/segments/%E4%B8%8A…` for `上…`).
    func pathName() throws -> String {
        guard let raw = parameters.get("name"), !raw.isEmpty else {
            throw RapportError(.invalidArgument, "give a name in the path")
        }
        guard let name = raw.removingPercentEncoding, !name.isEmpty else {
            throw RapportError(.invalidArgument, "the name in the path is not valid percent-encoded UTF-8")
        }
        return name
    }
}

extension Request {
    /// The largest definition request body.
    static let definitionBodyLimit = 128 * 1024

    /// The body's JSON object (a definition, a model).
    func jsonObject(limit: Int = Request.definitionBodyLimit) async throws -> [String: JSONValue] {
        let buffer = try await collectBody(limit: limit)
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(buffer.readableBytesView))
        } catch {
            throw RapportError(.invalidJSON, "the body is not JSON: \(error.message)")
        }
        guard let o = value.objectValue else { throw RapportError(.invalidArgument, "the body is a JSON object") }
        return o
    }
}
