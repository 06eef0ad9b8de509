import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// `POST /api/v1/messages/preview`: the pre-send report (who gets what on which channel, who
/// cannot be reached and why, the SMS the text costs), and that it stores and sends nothing.
@Suite struct MessagePreviewTests {
    /// A group of two (one without email), the second also in another group, and a contact
    /// with only an address on a channel nobody sends on.
    static func directory(_ harness: Harness) async throws -> (kari: Contact, ola: Contact, per: Contact) {
        let kari = Contact(name: "Kari", addresses: [.sms("+4711111111")])
        let ola = Contact(name: "Ola", addresses: [.sms("+4722222222"), .email("ola@example.org")])
        let per = Contact(name: "Per", addresses: [try Address(parsing: "xmpp:per@example.org")])
        for contact in [kari, ola, per] { try await harness.store.createContact(contact) }
        try await harness.store.createGroup(ContactGroup(name: "field-team"))
        try await harness.store.createGroup(ContactGroup(name: "duty"))
        try await harness.store.createGroup(ContactGroup(name: "nobody"))
        try await harness.store.addMember(group: "field-team", contactID: kari.id)
        try await harness.store.addMember(group: "field-team", contactID: ola.id)
        try await harness.store.addMember(group: "duty", contactID: ola.id)
        return (kari, ola, per)
    }

    @Test func theReportSaysWhoGetsWhatOnWhichChannelAndWhatTheSMSCost() async throws {
        let harness = try await Harness { $0.channels[.im] = nil }
        let people = try await Self.directory(harness)
        // 80 characters with a ç (not in GSM 03.38): UCS-2, two parts of 67 units.
        let text = String(repeating: "a", count: 79) + "ç"
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let body = #"""
                {"to": ["group:field-team", "group:duty", "sms:+4733333333", "contact:\#(people.per.id)", "group:nobody"],
                 "text": "\#(text)", "subject": "Flood", "html": "<p><b>Flood</b></p>", "severity": "warning",
                 "attachments": [{"filename": "map.pdf", "content_type": "application/pdf", "data": "JVBERi0="}]}
                """#
            let reply = try await api.post("/api/v1/messages/preview", body)
            #expect(reply.status == .ok, "\(reply.text)")
            let report = try reply.json
            #expect(report["sendable"].bool == true)
            #expect(report["refusal"].isNull)

            let recipients = report["recipients"].array
            #expect(recipients.map { $0["name"].string } == ["Kari", "Ola", "sms:+4733333333"])
            let kari = recipients[0]
            #expect(kari["deliveries"].array.map { $0["address"].string } == ["sms:+4711111111"])
            #expect(kari["deliveries"][0]["gets"].array.map(\.string) == ["text"], "SMS gets the plain text only")
            #expect(kari["problems"].array.map { $0["code"].string } == ["no_email"])
            #expect(kari["problems"][0]["message"].string == "Kari has no email address and will not get email")
            let ola = recipients[1]
            #expect(ola["via"].array.map(\.string) == ["group:field-team", "group:duty"], "a member of two groups is listed once")
            let email = try #require(ola["deliveries"].array.first { $0["channel"].string == "email" })
            #expect(email["gets"].array.map(\.string) == ["subject", "text", "html", "attachments"])
            #expect(ola["problems"].array.isEmpty)

            let unreachable = report["unreachable"].array
            #expect(unreachable.map { $0["name"].string } == ["Per", "group:nobody"])
            #expect(unreachable[0]["problems"].array.map { $0["code"].string } == ["no_phone", "no_email", "no_route", "no_address"])
            #expect(unreachable[1]["problems"][0]["code"].string == "empty_group")
            #expect(unreachable.allSatisfy { $0["refuses_send"].bool == false })

            let sms = report["sms"]
            #expect(sms["encoding"].string == "ucs2")
            #expect(sms["non_gsm_characters"].array.map(\.string) == ["ç"])
            #expect(sms["parts"].int == 2 && sms["per_part"].int == 67)
            #expect(sms["deliveries"].int == 3)
            #expect(sms["total_sms"].int == 6, "two parts to each of three phones")
            #expect(report["deliveries"]["sms"].int == 3 && report["deliveries"]["email"].int == 1)
            #expect(report["total_deliveries"].int == 4)
            #expect(report["message"]["attachments"][0]["size"].int == 5)
            #expect(report["warnings"].array.map(\.string).contains("group field-team: Kari has no email address and will not get email"))
            try await harness.expectNothingQueued()

            // The send makes exactly the deliveries the report promised, with its warnings.
            let sent = try await api.post("/api/v1/messages", body)
            #expect(sent.status == .accepted)
            let promised = recipients.flatMap { $0["deliveries"].array }.filter { $0["duplicate"].bool == false }.map { $0["address"].string }
            #expect(try sent.json["deliveries"].array.map { $0["address"].string } == promised)
            #expect(try sent.json["warnings"] == report["warnings"])
        }
    }

    @Test func entriesTheSendWouldRefuseAreReportedWithTheParsersReason() async throws {
        let harness = try await Harness()
        _ = try await Self.directory(harness)
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let body = #"{"to": ["group:field-team", "sms:12ab", "group:ghosts"], "text": "hello"}"#
            let report = try await api.post("/api/v1/messages/preview", body).json
            #expect(report["sendable"].bool == false)
            #expect(report["refusal"]["error"].string == "invalid_address")
            let unreachable = report["unreachable"].array
            #expect(unreachable.map { $0["name"].string } == ["sms:12ab", "group:ghosts"])
            #expect(unreachable.allSatisfy { $0["refuses_send"].bool == true })
            let sent = try await api.post("/api/v1/messages", body)
            #expect(sent.status == .unprocessableContent || sent.status == .badRequest)
            #expect(sent.errorCode == "invalid_address")
            #expect(unreachable[0]["problems"][0]["message"].string == sent.errorMessage, "the parser's own reason, as the send gives it")
            #expect(unreachable[1]["problems"][0]["code"].string == "unknown_group")
            #expect(report["recipients"].array.count == 2, "the group's members are still shown")
            #expect(report["sms"]["encoding"].string == "gsm7" && report["sms"]["total_sms"].int == 2)

            let nobody = try await api.post("/api/v1/messages/preview", #"{"to": ["group:nobody"], "text": "hello"}"#).json
            #expect(nobody["refusal"]["error"].string == "no_reachable_recipient")
            #expect(try await api.post("/api/v1/messages", #"{"to": ["group:nobody"], "text": "hello"}"#).errorCode == "no_reachable_recipient")
        }
        try await harness.expectNothingQueued()
    }

    @Test func aTemplateIsRenderedAndItsTextCounted() async throws {
        let harness = try await Harness { $0.templates = TemplateTests.templates }
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let body = #"{"to": ["sms:+4712345678"], "template": "road-closed", "data": {"road": "Rv 4 [north]", "km": 12, "detour": "E6"}}"#
            let report = try await api.post("/api/v1/messages/preview", body).json
            #expect(report["message"]["text"].string == "Rv 4 [north] is closed at km 12. Detour: E6.")
            #expect(report["message"]["subject"].string == "Road closed: Rv 4 [north]")
            #expect(report["sms"]["encoding"].string == "gsm7")
            #expect(report["sms"]["units"].int == 46, "44 characters; [ and ] cost two septets each")
            #expect(report["sms"]["total_sms"].int == 1)
            let missing = try await api.post("/api/v1/messages/preview", #"{"to": ["sms:+4712345678"], "template": "road-closed", "data": {}}"#)
            #expect(missing.status == .badRequest && missing.errorCode == "missing_data")
            let empty = try await api.post("/api/v1/messages/preview", #"{"to": ["sms:+4712345678"], "text": " "}"#)
            #expect(empty.errorCode == "missing_text", "a body the send refuses is refused the same")
        }
        try await harness.expectNothingQueued()
    }

    @Test func aBrowsersPreviewNeedsTheCSRFTokenAndAnonymousIsRefused() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let body = #"{"to": ["sms:+4712345678"], "text": "hello"}"#
            #expect(try await anonymous.post("/api/v1/messages/preview", body).status == .unauthorized)
            let admin = try await anonymous.loginAdmin()
            guard case .cookie(let secret) = admin.credential else { throw CancellationError() }
            let browser: HTTPFields = [CrossSiteRequestGuard.fetchSite: "same-origin"]
            let refused = try await admin.post("/api/v1/messages/preview", body, headers: browser)
            #expect(refused.status == .forbidden && refused.errorCode == "csrf_token_invalid")
            var signed = browser
            signed[CSRFToken.header] = CSRFToken.make(sessionSecret: secret)
            #expect(try await admin.post("/api/v1/messages/preview", body, headers: signed).status == .ok)
            var foreign = signed
            foreign[.origin] = "https://evil.example"
            #expect(try await admin.post("/api/v1/messages/preview", body, headers: foreign).errorCode == "cross_site_request")
        }
    }
}
