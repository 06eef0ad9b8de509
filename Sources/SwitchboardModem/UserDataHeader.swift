/// The parts of a TS 23.040 §9.2.3.24 user data header this codec acts on: concatenation
/// (IE 0x00, 8-bit reference; IE 0x08, 16-bit reference). Other elements are skipped.
///
/// ```
/// UDHL │ IEI │ IEDL │ data … │ IEI │ IEDL │ data …
/// 0x00: ref(1) total(1) seq(1)      0x08: ref(2) total(1) seq(1)
/// ```
package struct UserDataHeader: Sendable, Equatable {
    /// One part of a concatenated message.
    package struct Concatenation: Sendable, Equatable, Hashable {
        package var reference: UInt16
        package var total: UInt8
        package var sequence: UInt8
        package init(reference: UInt16, total: UInt8, sequence: UInt8) {
            self.reference = reference
            self.total = total
            self.sequence = sequence
        }
    }

    package var concatenation: Concatenation?

    package init(concatenation: Concatenation? = nil) { self.concatenation = concatenation }

    /// The header with its length octet, as it goes first in the user data (8-bit reference).
    func encoded() -> [UInt8] {
        guard let c = concatenation else { return [] }
        return [0x05, 0x00, 0x03, UInt8(c.reference & 0xFF), c.total, c.sequence]
    }

    /// Reads the header at the start of `userData`; returns it and its length with the UDHL octet.
    static func read(_ userData: ArraySlice<UInt8>) throws(PDUError) -> (UserDataHeader, Int) {
        guard let first = userData.first else { throw PDUError(.truncated, "the user data header is announced but the user data is empty") }
        let length = Int(first)
        guard length + 1 <= userData.count else {
            throw PDUError(.wrongLength, "the user data header length is \(length) octets; the user data has \(userData.count - 1) after it")
        }
        var header = UserDataHeader()
        var i = userData.startIndex + 1
        let end = userData.startIndex + 1 + length
        while i < end {
            guard i + 1 < end else { throw PDUError(.wrongLength, "a user data header element is cut off at its length") }
            let id = userData[i]
            let size = Int(userData[i + 1])
            guard i + 2 + size <= end else {
                throw PDUError(
                    .wrongLength,
                    "user data header element 0x\(PDUHex.encode([id])) needs \(size) octets; the header has \(end - i - 2) left"
                )
            }
            let data = userData[(i + 2)..<(i + 2 + size)]
            switch (id, size) {
            case (0x00, 3):
                header.concatenation = try concatenation(reference: UInt16(data[data.startIndex]), data[(data.startIndex + 1)...])
            case (0x08, 4):
                let ref = UInt16(data[data.startIndex]) << 8 | UInt16(data[data.startIndex + 1])
                header.concatenation = try concatenation(reference: ref, data[(data.startIndex + 2)...])
            case (0x00, _), (0x08, _):
                throw PDUError(.invalidField, "the concatenation element 0x\(PDUHex.encode([id])) has length \(size)")
            default:
                break
            }
            i += 2 + size
        }
        return (header, length + 1)
    }

    private static func concatenation(reference: UInt16, _ rest: ArraySlice<UInt8>) throws(PDUError) -> Concatenation {
        let total = rest[rest.startIndex]
        let sequence = rest[rest.startIndex + 1]
        guard total > 0, sequence > 0, sequence <= total else {
            throw PDUError(.invalidField, "concatenated part \(sequence) of \(total) is not a valid part number")
        }
        return Concatenation(reference: reference, total: total, sequence: sequence)
    }
}
