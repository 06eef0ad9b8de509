import Foundation

/// A regular expression over a gateway's answer (`success_pattern`, `receipt_pattern`),
/// compiled when the configuration is read so a bad pattern is a configuration problem.
package struct GatewayPattern: @unchecked Sendable, CustomStringConvertible {
    // NSRegularExpression is immutable once made and documented safe to share across threads.
    private let regex: NSRegularExpression
    package let description: String

    package init(_ pattern: String) throws(TemplateError) {
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw TemplateError(message: "'\(pattern)' is not a valid regular expression")
        }
        description = pattern
    }

    package var captureGroups: Int { regex.numberOfCaptureGroups }

    /// Whether the pattern occurs anywhere in `text`.
    package func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The first capture group of the first match, if both exist.
    package func firstCapture(in text: String) -> String? {
        guard let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
            let r = Range(m.range(at: 1), in: text)
        else { return nil }
        return String(text[r])
    }
}
