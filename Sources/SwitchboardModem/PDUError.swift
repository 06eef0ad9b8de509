/// Why a PDU could not be read or written, with the place in the PDU that was wrong.
///
/// Why one error type: a bad PDU from a modem is logged with this text and the message is
/// kept on the SIM, so the text must say what was wrong (a length, a field, a septet), not
/// just "invalid".
package struct PDUError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// Not hexadecimal, or an odd number of digits.
        case notHex
        /// The PDU ends before a field it announced.
        case truncated
        /// A length field disagrees with the bytes that follow.
        case wrongLength
        /// A field holds a value the specification does not allow (or this codec does not read).
        case invalidField
        /// A septet stream that is not GSM 7-bit text (an escape with nothing after it).
        case invalidSeptets
        /// A text or number that cannot be sent (a number that is not digits, too long a text).
        case unencodable
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}
