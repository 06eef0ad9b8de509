/// Packs several messages waiting for one address into one (NAV smsd's alert packing).
///
/// Core only knows the shape; the SMS target supplies the real packers (`nav`, `segments`)
/// and the executable hands them to the hub per channel.
package struct MessagePacker: Sendable {
    /// One waiting message: its delivery id, text and severity, oldest first.
    package struct Item: Sendable, Equatable {
        package var id: String
        package var text: String
        package var severity: Severity
        package init(id: String, text: String, severity: Severity) {
            self.id = id
            self.text = text
            self.severity = severity
        }
    }

    /// The text to send, the ids it carries, and the ids left out for good once it is sent
    /// (the text may be only a note about them). Ids in neither list wait for the next round.
    package struct Packed: Sendable, Equatable {
        package var text: String
        package var sent: [String]
        package var ignored: [String]
        package init(text: String, sent: [String], ignored: [String]) {
            self.text = text
            self.sent = sent
            self.ignored = ignored
        }
    }

    package let pack: @Sendable ([Item]) -> Packed
    package init(pack: @escaping @Sendable ([Item]) -> Packed) { self.pack = pack }
}
