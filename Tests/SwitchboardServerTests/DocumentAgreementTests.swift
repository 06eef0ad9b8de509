import Foundation
import Testing

@testable import SwitchboardServer

/// What the API document promises about requests it forbids or allows, checked where the
/// schemathesis run first found the server and the document apart.
@Suite struct DocumentAgreementTests {
    @Test func emptyTypedQueryParametersAreRefusedNotIgnored() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            for uri in ["/api/v1/inbox?limit=", "/api/v1/inbox?unread=", "/api/v1/inbox?scope=", "/api/v1/queue/dead-letters?limit="] {
                let reply = try await api.get(uri)
                #expect(reply.status == .badRequest, "\(uri)")
                #expect(reply.errorCode == "invalid_parameter", "\(uri)")
            }
            #expect(try await api.get("/api/v1/inbox?limit=5").status == .ok)
            // An empty string parameter still means "not given".
            #expect(try await api.get("/api/v1/inbox?cursor=").status == .ok)
        }
    }

    @Test func formLimitIsCheckedAlsoWhenLookingUpOneMessage() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            #expect(try await api.get("/api/v1/forms?message_id=m1&limit=9305838").status == .badRequest)
            #expect(try await api.get("/api/v1/forms?message_id=m1&limit=5").status == .ok)
        }
    }

    @Test func nullIsRefusedWhereTheDocumentSaysStringAndKeptWhereItAllowsNull() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let refused = try await api.post("/api/v1/queue/test", #"{"to": "sms:+4712345678", "severity": null}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.errorCode == "invalid_json")
            #expect(try refused.json["message"].string?.contains("'severity' must not be null") == true)
            #expect(try await api.post("/api/v1/queue/cancel", #"{"min_age": "1h", "reason": null}"#).status == .badRequest)
            #expect(try await api.post("/api/v1/groups", #"{"name": "ops", "description": null}"#).status == .created)
            #expect(try await api.put("/api/v1/groups/ops", #"{"name": null}"#).status == .badRequest)
            let user = try await api.post(
                "/api/v1/users",
                #"{"username": "kari", "password": "a-long-secret", "role": "user", "display_name": null}"#
            )
            #expect(user.status == .created)
            #expect(try user.json["display_name"].isNull)

            let contact = try await api.post("/api/v1/contacts", #"{"name": "Kari", "username": "kari"}"#)
            let id = try #require(try contact.json["id"].string)
            #expect(try await api.put("/api/v1/contacts/\(id)", #"{"name": "Kari", "username": null}"#).status == .badRequest)
            let unlinked = try await api.patch("/api/v1/contacts/\(id)", #"{"username": null}"#)
            #expect(unlinked.status == .ok)
            #expect(try unlinked.json["username"].isNull)
        }
    }

    /// `maxLength` counts code points: 60 letters each with a combining mark are 120 of them.
    @Test func tokenNamesAreMeasuredInCodePointsAndHaveNoControlCharacters() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let long = String(repeating: "e\u{301}", count: 60)
            #expect(try await api.post("/api/v1/tokens", #"{"name": "\#(long)"}"#).status == .unprocessableContent)
            #expect(try await api.post("/api/v1/tokens", #"{"name": "ci\u0007bell"}"#).status == .unprocessableContent)
            #expect(try await api.post("/api/v1/tokens", #"{"name": "\#(String(repeating: "e\u{301}", count: 50))"}"#).status == .created)
        }
    }
}
