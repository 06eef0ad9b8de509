/// Packs several messages waiting for one address into one (NAV smsd's alert packing).
///
/// Core only knows the shape; the SMS target supplies the real packers (`nav`, `segments`)
/// and the executable hands them to the hub per channel.
public struct MessagePacker: Sendable {
    /// One waiting message: its delivery id, text and severity, oldest first.
    public struct Item: Sendable, Equatable {
        public var id: String
        public var text: String
        public var severity: Severity
        public init(id: String, text: String, severity: Severity) {
            self.id = id
            self.text = text
            self.severity = severity
        }
    }

    /// The text to send, the ids it carries, and the ids left out for good once it is sent
    /// (the text may be only a note about them). Ids in neither list wait for the next round.
    public struct Packed: Sendable, Equatable {
        public var text: String
        public var sent: [String]
        public var ignored: [String]
        public init(text: String, sent: [String], ignored: [String]) {
            self.text = text
            self.sent = sent
            self.ignored = ignored
        }
    }

    public let pack: @Sendable ([Item]) -> Packed
    public init(pack: @escaping @Sendable ([Item]) -> Packed) { self.pack = pack }
}
