import Foundation

/// A regular expression over a gateway's answer (`success_pattern`, `receipt_pattern`),
/// compiled when the configuration is read so a bad pattern is a configuration problem.
public struct GatewayPattern: @unchecked Sendable, CustomStringConvertible {
    // NSRegularExpression is immutable once made and documented safe to share across threads.
    private let regex: NSRegularExpression
    public let description: String

    public init(_ pattern: String) throws(TemplateError) {
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw TemplateError(message: "'\(pattern)' is not a valid regular expression")
        }
        description = pattern
    }

    public var captureGroups: Int { regex.numberOfCaptureGroups }

    /// Whether the pattern occurs anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The first capture group of the first match, if both exist.
    public func firstCapture(in text: String) -> String? {
        guard let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
            let r = Range(m.range(at: 1), in: text)
        else { return nil }
        return String(text[r])
    }
}
