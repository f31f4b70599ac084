import RapportCore
import RapportIngest
import Testing

/// 2024-05-01T10:00:20.000Z
let receivedAt: Int64 = 1_714_557_620_000

/// Milliseconds of an ISO 8601 time written in a test (0 if it does not parse,
/// which the test then notices).
func ms(_ text: String) -> Int64 {
    Timestamp.parseISO8601(text) ?? 0
}

func decodeBatch(_ text: String, decoder: MessageDecoder = MessageDecoder()) throws(RapportError) -> DecodedRequest {
    try decoder.decode(body: Array(text.utf8), endpoint: .batch, receivedAt: receivedAt)
}

func decodeSingle(_ text: String, _ type: MessageType, decoder: MessageDecoder = MessageDecoder()) throws(RapportError) -> Message {
    let request = try decoder.decode(body: Array(text.utf8), endpoint: .single(type), receivedAt: receivedAt)
    guard request.accepted.count == 1, request.rejected.isEmpty else {
        throw RapportError(.invalidArgument, "expected one accepted message")
    }
    return request.accepted[0]
}

/// The error a request throws, or `nil`.
func requestError(_ body: [UInt8], _ endpoint: IngestEndpoint, decoder: MessageDecoder = MessageDecoder()) -> RapportError? {
    do {
        _ = try decoder.decode(body: body, endpoint: endpoint, receivedAt: receivedAt)
        return nil
    } catch {
        return error
    }
}

func requestError(_ text: String, _ endpoint: IngestEndpoint = .batch) -> RapportError? {
    requestError(Array(text.utf8), endpoint)
}

/// The text of a message's properties bytes.
func propertiesText(_ message: Message) -> String? {
    guard let range = message.propertiesRange else { return nil }
    return String(decoding: message.body[range], as: UTF8.self)
}
