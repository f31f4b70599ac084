import Logging
import RapportCore
import Testing

@testable import RapportServer

@Suite struct JSONLogHandlerTests {
    @Test func aLogLineIsOneJSONObjectWithMetadata() throws {
        let event = LogEvent(level: .warning, message: "projection \"lag\"\nhigh", metadata: ["events": "42"],
                             source: "RapportEngine", file: "f", function: "fn", line: 1)
        let bytes = JSONLogHandler.line(event: event, label: "rapport", handlerMetadata: ["node": "a"], now: 0)
        #expect(bytes.last == 0x0A)
        #expect(!bytes.dropLast().contains(0x0A), "one line, whatever the message holds")
        let json = try JSONValue.parse(Array(bytes.dropLast()))
        #expect(json["level"] == .string("warning"))
        #expect(json["message"] == .string("projection \"lag\"\nhigh"))
        #expect(json["time"] == .string("1970-01-01T00:00:00.000Z"))
        #expect(json["metadata"]?["events"] == .string("42"))
        #expect(json["metadata"]?["node"] == .string("a"))
    }
}
