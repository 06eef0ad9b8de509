import Foundation
import Hummingbird
import SwitchboardCore
import SwitchboardSMS
import Testing

@testable import SwitchboardServer

/// A gateway connector that reads callbacks as the `kannel` engine does (`KannelCallback`),
/// without an smsbox to send to.
struct CallbackStandIn: CallbackConnector {
    let name: String
    let engine = "kannel"
    let channels: [ChannelName] = [.sms]
    let callbackSecret: String?
    func send(_ outbound: Outbound) async throws -> Receipt { Receipt() }
    func inboundMessage(from parameters: CallbackParameters, receivedAt: Date) throws(SwitchboardError) -> InboundMessage {
        try KannelCallback.inboundMessage(connector: name, parameters: parameters, numbers: SMSNumberFormat(), receivedAt: receivedAt)
    }
    func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport {
        try KannelCallback.deliveryReport(from: parameters)
    }
}

extension API {
    /// A POST with a raw body (a gateway's form, not the API's JSON).
    func form(
        _ uri: String,
        _ body: String,
        contentType: String = "application/x-www-form-urlencoded",
        headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        headers[.contentType] = contentType
        let response = try await client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
}

@Suite struct KannelRoutesTests {
    static let secret = "kannel-secret-0123456789"

    static func harness() async throws -> Harness {
        try await Harness(extraConnectors: [
            CallbackStandIn(name: "kannel", callbackSecret: secret),
            CallbackStandIn(name: "modem", callbackSecret: "modem-secret-0123456789"),
            CallbackStandIn(name: "quiet", callbackSecret: nil),
        ]) { $0.channels[.sms] = ChannelSettings(route: ["kannel"]) }
    }

    static let inbound = "/api/v1/connectors/kannel/inbound"

    @Test func anInboundSMSIsCommittedBeforeTheEmptyAnswerAndReachesTheInbox() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get(
                "\(Self.inbound)?secret=\(Self.secret)&from=%2B4798765432&to=2222&text=Road+closed+%26+more&coding=0&charset=UTF-8"
            )
            #expect(reply.status == .ok)
            #expect(reply.text.isEmpty)  // Kannel would send a non-empty body back as an SMS
            let id = try #require(reply.headers[.switchboardMessageID])
            let record = try #require(try await harness.store.message(id: id))
            #expect(record.message.text == "Road closed & more")
            #expect(record.message.origin == Origin(connector: "kannel", from: .sms("+4798765432"), to: .sms("2222")))

            let posted = try await anonymous.form(
                Self.inbound,
                "from=004798765432&to=4790000000&text=Second",
                headers: [.switchboardSecret: Self.secret]
            )
            #expect(posted.status == .ok)
            let admin = try await anonymous.loginAdmin()
            let items = try await admin.get("/api/v1/inbox").json["items"].array
            #expect(items.map { $0["message"]["text"].string } == ["Second", "Road closed & more"])
            #expect(items[0]["message"]["to"].string == "sms:+4790000000")
            #expect(items[0]["message"]["connector"].string == "kannel")
        }
    }

    /// Kannel drops an MO it gets a 4xx for, so a NUL is not refused: the text is kept whole,
    /// with U+FFFD where the NUL was (SQLite would have cut it there).
    @Test func anInboundSMSWithNULIsKeptWholeWithAReplacementCharacter() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("\(Self.inbound)?secret=\(Self.secret)&from=%2B4798765432&to=2222&text=before%00after")
            #expect(reply.status == .ok)
            let id = try #require(reply.headers[.switchboardMessageID])
            #expect(try await harness.store.message(id: id)?.message.text == "before\u{FFFD}after")
        }
    }

    @Test func theSecretDecidesAndNothingIsStoredWithoutIt() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let query = "from=4798765432&text=let+me+in"
            let missing = try await anonymous.get("\(Self.inbound)?\(query)")
            #expect(missing.status == .unauthorized && missing.errorCode == "unauthorized")
            #expect(try await anonymous.get("\(Self.inbound)?\(query)&secret=kannel-secret-0123456788").status == .unauthorized)
            #expect(try await anonymous.get("\(Self.inbound)?\(query)&secret=modem-secret-0123456789").status == .unauthorized)
            #expect(try await anonymous.call(.get, "\(Self.inbound)?\(query)", headers: [.switchboardSecret: "nope"]).status == .unauthorized)
            let unknown = try await anonymous.get("/api/v1/connectors/nosuch/inbound?\(query)&secret=\(Self.secret)")
            #expect(unknown.status == .notFound && unknown.errorCode == "unknown_connector")
            #expect(try await anonymous.get("/api/v1/connectors/quiet/inbound?\(query)&secret=x").status == .notFound)
            #expect(try await anonymous.get("/api/v1/connectors/tester/inbound?\(query)&secret=x").status == .notFound)
            #expect(try await anonymous.get("/api/v1/connectors/kannel/dlr?delivery=x&status=1&secret=nope").status == .unauthorized)
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.get("/api/v1/inbox").json["items"].array.isEmpty)
        }
    }

    @Test(arguments: [
        ("text=x", "missing_from"), ("from=%01%02&text=x", "invalid_from"), ("from=4798765432", "missing_text"),
        ("from=4798765432&text=%FF%FE", "invalid_text"), ("from=4798765432&text=x&text=y", "duplicate_parameter"),
        ("from=4798765432&to=%0A&text=x", "invalid_to"),
    ])
    func aBadInboundSMSIs400AndStoresNothing(_ query: String, _ code: String) async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("\(Self.inbound)?secret=\(Self.secret)&\(query)")
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.errorCode == code)
            #expect(!reply.errorMessage.isEmpty)
            let admin = try await anonymous.loginAdmin()
            #expect(try await admin.get("/api/v1/inbox").json["items"].array.isEmpty)
        }
    }

    @Test(arguments: [
        ("555123", "sms:555123", "short_code"), ("Telenor", "sms:Telenor", "alphanumeric"), ("26112", "sms:26112", "short_code"),
        ("012345678", "sms:012345678", "national"), ("%2B4798765432", "sms:+4798765432", "international"),
    ])
    func everySenderTheGatewayReportsIsTakenWithItsKind(_ from: String, _ address: String, _ kind: String) async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.get("\(Self.inbound)?secret=\(Self.secret)&from=\(from)&to=2222&text=Your+code+is+1234")
            #expect(reply.status == .ok, "\(reply.text)")
            let admin = try await anonymous.loginAdmin()
            let items = try await admin.get("/api/v1/inbox").json["items"].array
            #expect(items.map { $0["message"]["from"].string } == [address])
            #expect(items.first?["message"]["text"].string == "Your code is 1234")
            #expect(items.first?["message"]["from_kind"].string == kind)
            #expect(try Address(parsing: address).smsKind?.rawValue == kind)
        }
    }

    @Test func aPostThatIsNotAFormIsRefused() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let reply = try await anonymous.form("\(Self.inbound)?secret=\(Self.secret)", "hello", contentType: "text/plain")
            #expect(reply.status == .unsupportedMediaType)
        }
    }

    /// Sends one SMS through `kannel` and lets the dispatcher send it.
    static func sentDelivery(_ harness: Harness, _ admin: API, to: String = "sms:+4712345678") async throws -> String {
        let sent = try await admin.post("/api/v1/messages", #"{"to": ["\#(to)"], "text": "Road closed"}"#).json
        let id = try #require(sent["deliveries"][0]["id"].string)
        await harness.hub.dispatcher.drain()
        #expect(try await harness.store.delivery(id: id)?.status == .sent)
        return id
    }

    static func dlr(_ api: API, _ id: String, _ status: Int, detail: String = "", secret: String = secret) async throws -> Reply {
        try await api.get("/api/v1/connectors/kannel/dlr?delivery=\(id)&status=\(status)&detail=\(detail)&secret=\(secret)")
    }

    @Test func reportsMoveSentToDeliveredAndARepeatIsANoOp() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let id = try await Self.sentDelivery(harness, admin)

            let submitted = try await Self.dlr(anonymous, id, 8, detail: "ACK%2F")
            #expect(submitted.status == .ok)
            #expect(try submitted.json["status"].string == "sent" && submitted.json["report"].string == "submitted")
            let delivered = try await Self.dlr(anonymous, id, 1)
            #expect(try delivered.json["status"].string == "delivered")
            #expect(try await Self.dlr(anonymous, id, 1).status == .ok)
            #expect(try await Self.dlr(anonymous, id, 8, detail: "ACK%2F").status == .ok)

            let history = try await admin.get("/api/v1/deliveries/\(id)").json
            let changes = history["status_changes"].array
            #expect(
                changes.map { "\($0["from"].string!)>\($0["to"].string!) \($0["actor"].string!)" }
                    == ["sent>sent connector:kannel", "sent>delivered connector:kannel"]
            )
            #expect(changes[0]["reason"].string?.contains("DLR 8, accepted by the SMSC: ACK/") == true)
            #expect(history["delivery"]["status"].string == "delivered")

            let contradiction = try await Self.dlr(anonymous, id, 2)
            #expect(contradiction.status == .conflict && contradiction.errorCode == "illegal_transition")
        }
    }

    @Test func aRejectionFailsTheDeliveryWithTheSMSCsReason() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let id = try await Self.sentDelivery(harness, admin)
            #expect(try await Self.dlr(anonymous, id, 16, detail: "NACK%2F0x0000000b%2FInvalid+destination").json["status"].string == "failed")
            let change = try #require(try await harness.store.statusChanges(deliveryID: id).last)
            #expect(change.to == .failed && change.actor == "connector:kannel")
            #expect(change.reason.contains("rejected by the SMSC: NACK/0x0000000b/Invalid destination"))
        }
    }

    @Test func aFailedReportSetsTheLastErrorAndFallsBackToTheContactsEmail() async throws {
        let harness = try await Harness(extraConnectors: [CallbackStandIn(name: "kannel", callbackSecret: Self.secret)]) {
            $0.channels[.sms] = ChannelSettings(route: ["kannel"], fallback: .email)
        }
        try await harness.store.createContact(Contact(name: "Kari", addresses: [.sms("+4712345678"), .email("kari@example.org")]))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let id = try await Self.sentDelivery(harness, admin)
            let failed = try await Self.dlr(anonymous, id, 2, detail: "Absent+subscriber")
            #expect(try failed.json["status"].string == "failed")
            let view = try await admin.get("/api/v1/deliveries/\(id)").json["delivery"]
            #expect(view["last_error"].string == "delivery report: failed (DLR 2, not delivered: Absent subscriber)")
            let messageID = try #require(try await harness.store.delivery(id: id)?.messageID)
            let deliveries = try await admin.get("/api/v1/messages/\(messageID)").json["deliveries"].array
            #expect(deliveries.map { $0["address"].string } == ["sms:+4712345678", "mailto:kari@example.org"])
            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent(to: .email("kari@example.org")).map(\.text) == ["Road closed"])
        }
    }

    @Test func reportsForUnknownOrOtherConnectorsDeliveriesAreNotFound() async throws {
        let harness = try await Self.harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let unknown = try await Self.dlr(anonymous, "no-such-delivery", 1)
            #expect(unknown.status == .notFound && unknown.errorCode == "unknown_delivery")
            // An email delivery, sent by the tester bucket: kannel's secret must not reach it.
            let email = try await Self.sentDelivery(harness, admin, to: "mailto:ops@example.org")
            #expect(try await Self.dlr(anonymous, email, 1).status == .notFound)
            #expect(try await harness.store.delivery(id: email)?.status == .sent)
            let modem = try await anonymous.get("/api/v1/connectors/modem/dlr?delivery=\(email)&status=1&secret=modem-secret-0123456789")
            #expect(modem.status == .notFound)
            #expect(try await Self.dlr(anonymous, email, 3).errorCode == "invalid_status")
            #expect(try await anonymous.get("/api/v1/connectors/kannel/dlr?status=1&secret=\(Self.secret)").errorCode == "missing_delivery")
        }
    }

    @Test func aReportThatOvertakesTheGatewaysAnswerWaitsForIt() async throws {
        let harness = try await Self.harness()
        let store = harness.store
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let sent = try await admin.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "race"}"#).json
            let id = try #require(sent["deliveries"][0]["id"].string)
            // The dispatcher has claimed it and is waiting for Kannel's answer…
            _ = try await store.claimDue(limit: 10, now: Date(), leaseUntil: Date().addingTimeInterval(60))
            async let report = Self.dlr(anonymous, id, 1)
            try await Task.sleep(for: .milliseconds(300))
            // …which comes after Kannel's report.
            _ = try await store.finish(deliveryID: id, outcome: .sent(connector: "kannel", receiptID: nil), attempts: [])
            let reply = try await report
            #expect(reply.status == .ok)
            #expect(try reply.json["status"].string == "delivered")
        }
    }

    @Test func formsAreListedNewestFirstAndReadOneByOne() async throws {
        let harness = try await Self.harness()
        var made: [String] = []
        for (k, formID) in ["survey", "visit", "survey"].enumerated() {
            let message = Message(
                direction: .inbound,
                text: "<\(formID)><k>\(k)</k></\(formID)>",
                sender: "sms:+4712345678",
                origin: Origin(connector: "kannel", from: .sms("+4712345678"))
            )
            try await harness.store.recordInbound(message)
            let form = FormSubmission(
                messageID: message.id,
                formID: formID,
                version: k == 0 ? "3" : nil,
                fields: [FormField(path: "k", value: "\(k)"), FormField(path: "a/b", value: "Ø")],
                receivedAt: Date()
            )
            try await harness.store.recordSubmission(form)
            // In the common inbox, as the router puts a form from an unknown sender, so bob may see it.
            _ = try await harness.store.addToInbox(messageID: message.id, owner: nil)
            made.append(form.id)
        }
        let ids = made
        try await harness.run { anonymous in
            #expect(try await anonymous.get("/api/v1/forms").status == .unauthorized)
            try await harness.makeUser("bob")
            let bob = try await anonymous.login("bob", "user-secret-1")
            let first = try await bob.get("/api/v1/forms?limit=2").json
            #expect(first["items"].array.compactMap { $0["id"].string } == [ids[2], ids[1]])
            let cursor = try #require(first["next_cursor"].string)
            let second = try await bob.get("/api/v1/forms?limit=2&cursor=\(cursor)").json
            #expect(second["items"].array.compactMap { $0["id"].string } == [ids[0]])
            #expect(second["next_cursor"].isNull)

            let surveys = try await bob.get("/api/v1/forms?form_id=survey").json["items"].array
            #expect(surveys.compactMap { $0["id"].string } == [ids[2], ids[0]])
            let one = try await bob.get("/api/v1/forms/\(ids[0])").json
            #expect(one["form_id"].string == "survey" && one["version"].string == "3" && one["error"].isNull)
            #expect(one["fields"].array.map { "\($0["path"].string!)=\($0["value"].string!)" } == ["k=0", "a/b=Ø"])
            let messageID = try #require(one["message_id"].string)
            #expect(try await bob.get("/api/v1/forms?message_id=\(messageID)").json["items"][0]["id"].string == ids[0])

            #expect(try await bob.get("/api/v1/forms/nope").errorCode == "form_submission_not_found")
            #expect(try await bob.get("/api/v1/forms?cursor=abc").errorCode == "invalid_parameter")
            #expect(try await bob.get("/api/v1/forms?limit=0").errorCode == "invalid_parameter")
            #expect(try await bob.get("/api/v1/forms?formid=x").errorCode == "unknown_parameter")
        }
    }
}
