import Foundation
import Testing

@testable import SwitchboardCore

@Suite struct AddressParsing {
    @Test(arguments: [
        ("sms:+4712345678", Address.sms("+4712345678")),
        ("tel:+47 123 45 678", .sms("+4712345678")),
        ("+4712345678", .sms("+4712345678")),
        ("mailto:Kari.Nordmann@Example.ORG", .email("Kari.Nordmann@example.org")),
        ("ops@example.org", .email("ops@example.org")),
        ("xmpp:Alice@Chat.example.org/phone", .xmpp("alice@chat.example.org/phone")),
        ("user:alice", .user("alice")),
        ("sms:555123", .sms("555123")),
        ("sms:2222", .sms("2222")),
        ("sms:Telenor", .sms("Telenor")),
        ("sms:012345678", .sms("012345678")),
    ])
    func parsesWhatPeopleType(input: String, expected: Address) throws {
        #expect(try Address(parsing: input) == expected)
    }

    @Test(arguments: [
        ("sms:12345678", "E.164"),
        ("sms:+47", "7 to 15 digits"),
        ("sms:+47abc45678", "only digits"),
        ("sms:+0471234567", "cannot start with 0"),
        ("sms:12", "short code of 3 to 6 digits"),
        ("sms:1Telenor", "sender name"),
        ("sms:TelenorNorge1", "sender name"),
        ("mailto:no-at-sign", "exactly one @"),
        ("mailto:a@b@c", "exactly one @"),
        ("mailto:a@", "empty"),
        ("mailto:a b@example.org", "not allowed"),
        ("mailto:a@exa_mple.org", "not allowed in a host name"),
        ("xmpp:@example.org", "localpart is empty"),
        ("user:Alice Smith", "username"),
        ("fax:+4712345678", "unknown scheme 'fax'"),
        ("hello", "expected scheme:value"),
        ("", "empty"),
        ("mailto:a@example.org\r\nBcc: x@y.org", "control character"),
    ])
    func rejectsBadInputWithTheReason(input: String, reason: String) {
        #expect {
            try Address(parsing: input)
        } throws: { error in
            (error as? AddressError)?.reason.contains(reason) == true
        }
    }

    @Test(arguments: [
        ("+4712345678", SMSNumberKind.international), ("012345678", .national), ("555123", .shortCode), ("2222", .shortCode),
        ("Telenor", .alphanumeric), ("DNB Bank", .alphanumeric), ("+47abc", .alphanumeric),
    ])
    func smsAddressesKnowWhatKindOfSenderTheyName(value: String, kind: SMSNumberKind) {
        #expect(Address.sms(value).smsKind == kind)
        #expect(kind.canReceive == (kind != .alphanumeric))
        #expect(Address.email("a@b.org").smsKind == nil)
    }

    @Test func channelFollowsScheme() throws {
        #expect(try Address(parsing: "sms:+4712345678").channel == .sms)
        #expect(try Address(parsing: "mailto:a@b.org").channel == .email)
        #expect(try Address(parsing: "xmpp:a@b.org").channel == .im)
        #expect(try Address(parsing: "user:bob").channel == nil)
    }

    @Test func descriptionRoundTrips() throws {
        for text in ["sms:+4712345678", "mailto:a@b.org", "xmpp:a@b.org/r", "user:bob"] {
            #expect(try Address(parsing: text).description == text)
        }
    }
}

@Suite struct DeliveryStatusMachine {
    @Test func allowsTheDocumentedLife() {
        #expect(DeliveryStatus.queued.canMove(to: .sending))
        #expect(DeliveryStatus.sending.canMove(to: .sent))
        #expect(DeliveryStatus.sent.canMove(to: .delivered))
        #expect(DeliveryStatus.sending.canMove(to: .queued))
        #expect(DeliveryStatus.failed.canMove(to: .queued))
    }

    @Test func refusesIllegalMoves() {
        #expect(!DeliveryStatus.sent.canMove(to: .queued))
        #expect(!DeliveryStatus.delivered.canMove(to: .sending))
        #expect(!DeliveryStatus.cancelled.canMove(to: .queued))
        #expect(!DeliveryStatus.queued.canMove(to: .sent))
        for s in DeliveryStatus.allCases { #expect(!s.canMove(to: s)) }
    }
}

@Suite struct RetryPolicyBackoff {
    @Test func growsByFactorUpToTheCapAndStopsAtTheLimit() {
        let p = RetryPolicy(delay: 30, factor: 1.5, maxDelay: 60, limit: 4, jitter: 0)
        #expect(p.backoff(afterAttempts: 1) == 30)
        #expect(p.backoff(afterAttempts: 2) == 45)
        #expect(p.backoff(afterAttempts: 3) == 60)
        #expect(p.backoff(afterAttempts: 4) == nil)
    }

    @Test func jitterAddsARandomPartOfItsRangeAfterTheCap() {
        // As swift-jobs: min(delay, cap) + random(0..<jitter).
        let p = RetryPolicy(delay: 30, factor: 1.5, maxDelay: 60, limit: 4, jitter: 10)
        #expect(p.backoff(afterAttempts: 1, random: RandomSource { 0 }) == 30)
        #expect(p.backoff(afterAttempts: 1, random: RandomSource { 0.25 }) == 32.5)
        #expect(p.backoff(afterAttempts: 3, random: RandomSource { 0.5 }) == 65)
        #expect(p.backoff(afterAttempts: 4, random: RandomSource { 0.5 }) == nil)
        #expect(RetryPolicy().jitter == 10)
    }

    @Test func jitterStaysInItsRangeAndSpreadsRetriesThatFailedTogether() {
        let p = RetryPolicy(delay: 30, factor: 1, maxDelay: 30, limit: 5, jitter: 10)
        let random = RandomSource.from(SplitMix(seed: 7))
        let delays = (0..<1_000).map { _ in p.backoff(afterAttempts: 1, random: random)! }
        #expect(delays.allSatisfy { (30..<40).contains($0) })
        #expect(Set(delays.map { Int($0) }).count == 10)  // every second of the range is used
        #expect(delays.min()! < 30.5 && delays.max()! > 39.5)
    }
}

/// A small seeded generator, so random tests are the same on every run.
struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct CanonicalAddresses {
    @Test(arguments: ["sms:+4712345678", "mailto:Kari.N@example.org", "xmpp:ops@chat.example/desk", "user:alice"])
    func readBackWhatDescriptionWrote(_ text: String) throws {
        let parsed = try Address(parsing: text)
        #expect(Address(canonical: parsed.description) == parsed)
    }

    @Test(arguments: ["", "sms:", "+4712345678", "tel:+4712345678", "SMS:+4712345678", "email:a@b.org", "nocolon"])
    func refuseAnythingElse(_ text: String) {
        #expect(Address(canonical: text) == nil)
    }
}

@Suite struct Identifiers {
    @Test func areVersion7UUIDsThatSortByTime() throws {
        let earlier = Identifier.make(now: Date(timeIntervalSince1970: 1_767_225_600))
        let later = Identifier.make(now: Date(timeIntervalSince1970: 1_767_225_600.002))
        let uuid = try #require(UUID(uuidString: earlier))
        #expect(uuid.uuidString.lowercased() == earlier)
        #expect(Array(earlier)[14] == "7", "the version nibble")
        #expect("89ab".contains(Array(earlier)[19]), "the RFC 9562 variant")
        #expect(earlier < later)
        #expect(earlier.hasPrefix("019b76da-a800-7"), "48 bits of Unix milliseconds lead: 1767225600000 is 0x019b76daa800")
    }

    @Test func doNotRepeat() {
        let ids = (0..<10_000).map { _ in Identifier.make() }
        #expect(Set(ids).count == ids.count)
    }
}

@Suite struct AddressBlanksAndControls {
    @Test func blanksAroundAreTrimmedAndControlsInsideRefused() throws {
        #expect(try Address(parsing: " \tsms:+4712345678\u{2003}") == .sms("+4712345678"))
        #expect(throws: AddressError.self) { try Address(parsing: "mailto:a\u{7}b@example.org") }
        #expect(throws: AddressError.self) { try Address(parsing: "mailto:a\u{200B}b@example.org") }
        #expect(throws: AddressError.self) { try Address(parsing: " \t ") }
        #expect("  x y ".trimmingBlanks == "x y")
        #expect("x".trimmingBlanks == "x")
        #expect("\t".trimmingBlanks == "")
    }
}

/// `parseSMS` reads `+` and plain digits from the bytes; the general path (taken when the
/// number has separators) must answer the same for every such number, valid or not.
@Suite struct AddressSMSFastPath {
    func outcome(_ text: String) -> String {
        do { return "ok \(try Address(parsing: text))" } catch { return "error \(error.reason)" }
    }

    @Test func plainDigitsAnswerAsTheGeneralPathDoes() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...18 {
            for _ in 0..<20 {
                let digits = String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
                let spaced = digits.isEmpty ? "" : String(digits.prefix(1)) + " " + String(digits.dropFirst())
                #expect(outcome("sms:+" + digits) == outcome("sms:+" + spaced), "for +\(digits)")
            }
        }
        #expect(outcome("sms:+4712345678") == "ok sms:+4712345678")
        #expect(outcome("sms:+0712345678").hasPrefix("error country code"))
        #expect(outcome("sms:+123456").hasPrefix("error phone number must have 7 to 15 digits"))
    }
}
