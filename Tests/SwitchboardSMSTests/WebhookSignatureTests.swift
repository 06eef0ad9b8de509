import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct WebhookSignatureTests {
    static let secret = "whsec-test-0123456789abcdef"
    static let body = Array(#"{"from":"sms:+4712345678","text":"hei"}"#.utf8)
    static let t = 1_767_225_600
    /// Computed apart, with Python's hmac: hmac.new(secret, b"1767225600." + body, sha256).hexdigest().
    static let expected = "392dd19a68b40ae43808f3216b906955cb93c5cbb2ebc5b696e2b7d596636a23"
    static let now = Date(timeIntervalSince1970: Double(t) + 10)
    let signer = WebhookSignature(secret: secret)

    func refusal(
        _ header: String?,
        body: [UInt8] = body,
        at now: Date = now,
        tolerance: TimeInterval = 300,
        with signer: WebhookSignature = WebhookSignature(secret: secret)
    ) -> SwitchboardError? {
        do {
            _ = try signer.verify(header: header, body: body, now: now, tolerance: tolerance)
            return nil
        } catch { return error }
    }

    @Test func theSignatureIsHMACSHA256OfTimestampDotBodyInLowerCaseHex() {
        #expect(signer.signature(body: Self.body, timestamp: Self.t) == Self.expected)
        #expect(signer.header(body: Self.body, timestamp: Self.t) == "t=\(Self.t),v1=\(Self.expected)")
    }

    @Test func aValidSignatureProvesTheRequestAndSaysHowLongToRememberIt() throws {
        let proof = try signer.verify(header: "t=\(Self.t),v1=\(Self.expected)", body: Self.body, now: Self.now, tolerance: 300)
        #expect(proof.signature == Self.expected)
        #expect(proof.timestamp == Date(timeIntervalSince1970: Double(Self.t)))
        #expect(proof.rememberUntil == Date(timeIntervalSince1970: Double(Self.t) + 301))
        // Upper-case hex, spaces after commas and an extra scheme are all read.
        let loose = "t=\(Self.t), v0=abc, v1=\(Self.expected.uppercased())"
        #expect(throws: Never.self) { try signer.verify(header: loose, body: Self.body, now: Self.now, tolerance: 300) }
    }

    @Test func duringARotationAnyMatchingV1Proves() {
        let old = WebhookSignature(secret: "the-previous-secret-0123").signature(body: Self.body, timestamp: Self.t)
        #expect(refusal("t=\(Self.t),v1=\(old),v1=\(Self.expected)") == nil)
        #expect(refusal("t=\(Self.t),v1=\(old)")?.code == "bad_signature")
    }

    @Test func aChangedBodyTimestampOrSecretIsABadSignature() {
        var tampered = Self.body
        tampered[tampered.count - 3] = UInt8(ascii: "x")
        #expect(refusal("t=\(Self.t),v1=\(Self.expected)", body: tampered)?.code == "bad_signature")
        #expect(refusal("t=\(Self.t + 1),v1=\(Self.expected)")?.code == "bad_signature")
        #expect(refusal("t=\(Self.t),v1=\(Self.expected)", with: WebhookSignature(secret: "another-secret-0123456789"))?.code == "bad_signature")
        let error = refusal("t=\(Self.t),v1=\(String(repeating: "0", count: 64))")
        #expect(error?.kind == .unauthorized && error?.message.contains("no v1 signature") == true)
    }

    @Test func aTimestampOutsideTheToleranceIsStaleEitherWay() {
        let header = "t=\(Self.t),v1=\(Self.expected)"
        let late = refusal(header, at: Date(timeIntervalSince1970: Double(Self.t) + 301))
        #expect(late?.code == "stale_signature" && late?.message.contains("301 s old") == true)
        let early = refusal(header, at: Date(timeIntervalSince1970: Double(Self.t) - 301))
        #expect(early?.code == "stale_signature" && early?.message.contains("in the future") == true)
        #expect(refusal(header, at: Date(timeIntervalSince1970: Double(Self.t) + 300)) == nil)
        #expect(refusal(header, at: Date(timeIntervalSince1970: Double(Self.t) + 31), tolerance: 30)?.code == "stale_signature")
    }

    @Test(arguments: [
        ("", "missing_signature"),
        ("  ", "missing_signature"),
        ("v1=\(expected)", "malformed_signature"),
        ("t=\(t)", "malformed_signature"),
        ("t=\(t),v1=xyz", "malformed_signature"),
        ("t=\(t),v1=\(expected)00", "malformed_signature"),
        ("t=-5,v1=\(expected)", "malformed_signature"),
        ("t=\(t),t=\(t),v1=\(expected)", "malformed_signature"),
        ("sha256=\(expected)", "malformed_signature"),
        ("garbage", "malformed_signature"),
    ])
    func aHeaderThatCannotBeReadSaysWhatIsWrong(_ header: String, _ code: String) {
        let error = refusal(header)
        #expect(error?.code == code)
        #expect(error?.message.contains("X-Switchboard-Signature") == true)
    }

    @Test func noHeaderAtAllIsMissing() {
        #expect(refusal(nil)?.code == "missing_signature")
    }
}
