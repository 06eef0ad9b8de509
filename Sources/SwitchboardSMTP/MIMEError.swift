/// Why a mail could not be built: a struct over a private code so new reasons can be added
/// without breaking callers, and a message that names the offending field.
///
/// The most important reason is `headerInjection`: a CR or LF in an address, name, subject or
/// file name would let whoever wrote that value add headers (or a whole second message), so
/// the builder refuses instead of silently stripping it.
package struct MIMEError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable { case headerInjection, invalidAddress, invalidHeader, malformed }
    private let code: Code
    /// What was wrong, naming the field (`subject`, `attachment file name`, …).
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A CR, LF or NUL in a value that goes into a header.
    package static func headerInjection(_ field: String) -> Self {
        .init(.headerInjection, "\(field) contains a line break or NUL; refusing to build the mail (header injection)")
    }
    package static func invalidAddress(_ input: String, _ reason: String) -> Self {
        .init(.invalidAddress, "invalid email address '\(input)': \(reason)")
    }
    package static func invalidHeader(_ message: String) -> Self { .init(.invalidHeader, message) }
    /// A received mail that cannot be read (inbound parsing).
    package static func malformed(_ message: String) -> Self { .init(.malformed, message) }

    package var isHeaderInjection: Bool { code == .headerInjection }
    package var description: String { message }

    /// Throws `headerInjection` when `value` contains CR, LF or NUL.
    static func checkHeaderValue(_ value: String, field: String) throws(MIMEError) {
        if value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) { throw .headerInjection(field) }
    }
}
