/// Where the tokenizer gathers names, text and attribute values: as UTF-8 bytes, checked against
/// their limits as they grow, turned into Strings once complete.
extension XMLStreamTokenizer {
    mutating func appendAttributeValue(_ c: UInt32) throws(XMLStreamError) {
        Self.encode(c, into: &attributeValue)
        guard attributeValue.count <= limits.maxAttributeValueBytes else {
            throw XMLStreamError(.policyViolation, "attribute value longer than \(limits.maxAttributeValueBytes) bytes")
        }
    }

    mutating func appendText(_ c: UInt32) throws(XMLStreamError) {
        Self.encode(c, into: &text)
        guard text.count <= limits.maxTextBytes else {
            throw XMLStreamError(.policyViolation, "text longer than \(limits.maxTextBytes) bytes")
        }
    }

    mutating func flushText() throws(XMLStreamError) {
        textBrackets = 0
        lastWasCR = false
        guard !text.isEmpty else { return }
        events.append(.text(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }

    mutating func beginName() {
        name.removeAll(keepingCapacity: true)
    }

    mutating func appendName(_ c: UInt32) throws(XMLStreamError) {
        Self.encode(c, into: &name)
        guard name.count <= limits.maxNameBytes else {
            throw XMLStreamError(.policyViolation, "name longer than \(limits.maxNameBytes) bytes")
        }
    }

    var nameString: String { String(decoding: name, as: UTF8.self) }

    /// Appends the UTF-8 form of the scalar `c` (already checked to be a `Char`).
    static func encode(_ c: UInt32, into buffer: inout [UInt8]) {
        switch c {
        case 0..<0x80:
            buffer.append(UInt8(c))
        case 0x80..<0x800:
            buffer.append(0xC0 | UInt8(c >> 6))
            buffer.append(0x80 | UInt8(c & 0x3F))
        case 0x800..<0x1_0000:
            buffer.append(0xE0 | UInt8(c >> 12))
            buffer.append(0x80 | UInt8(c >> 6 & 0x3F))
            buffer.append(0x80 | UInt8(c & 0x3F))
        default:
            buffer.append(0xF0 | UInt8(c >> 18))
            buffer.append(0x80 | UInt8(c >> 12 & 0x3F))
            buffer.append(0x80 | UInt8(c >> 6 & 0x3F))
            buffer.append(0x80 | UInt8(c & 0x3F))
        }
    }
}
