extension Message {
    /// The message's `properties`, decoded from ``body`` at
    /// ``propertiesRange``; empty if the message has none.
    ///
    /// The ingest decoder validated these bytes, so this throws only for a
    /// `Message` built by hand with a bad range or body.
    public func properties() throws(RapportError) -> [String: JSONValue] {
        guard let range = propertiesRange else { return [:] }
        guard range.lowerBound >= 0, range.upperBound <= bodyCount else {
            throw RapportError(.invalidMessage, "propertiesRange \(range) lies outside the message body")
        }
        return try withBody { (buffer) throws(RapportError) -> [String: JSONValue] in
            var scanner = JSONScanner(UnsafeBufferPointer(rebasing: buffer[range]))
            guard scanner.peek() == UInt8(ascii: "{") else {
                throw RapportError(.invalidMessage, "properties is not an object")
            }
            let members = try scanner.parseObject()
            try scanner.expectEnd()
            return members
        }
    }
}
