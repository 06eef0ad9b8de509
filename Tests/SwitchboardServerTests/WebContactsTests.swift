import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The contacts and groups pages and their API: the address check, the CSV import endpoint,
/// CSRF on every form, the contact permissions, escaping, and the warning when adding a member.
@Suite("Web contacts and groups")
struct WebContactsTests {
    /// A form post from the hub's own page: the session cookie and, unless `csrf` is false, its token.
    func form(_ api: API, _ uri: String, _ body: String, csrf: Bool = true) async throws -> Reply {
        guard case .cookie(let secret) = api.credential else { throw CancellationError() }
        let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "\(SessionCookie.name)=\(secret)"]
        let token = csrf ? "_csrf=\(CSRFToken.make(sessionSecret: secret))&" : ""
        let response = try await api.client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: token + body))
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func csv(_ api: API, _ text: String, headers extra: HTTPFields = [:], type: String = "text/csv") async throws -> Reply {
        var headers = extra
        headers[.contentType] = type
        switch api.credential {
        case .cookie(let secret): headers[.cookie] = "\(SessionCookie.name)=\(secret)"
        case .bearer(let token): headers[.authorization] = "Bearer \(token)"
        case .none: break
        }
        let response = try await api.client.executeRequest(
            uri: "/api/v1/contacts/import",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: text)
        )
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    @Test func theAddressCheckGivesTheReasonSavingWouldGive() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            #expect(try await anonymous.post("/api/v1/addresses/check", #"{"address": "+47123"}"#).status == .unauthorized)
            let admin = try await anonymous.loginAdmin()
            let bad = try await admin.post("/api/v1/addresses/check", #"{"address": "+47 123"}"#)
            #expect(bad.status == .ok)
            #expect(try bad.json["valid"].bool == false)
            let reason = try #require(try bad.json["reason"].string)
            #expect(reason == "phone number must have 7 to 15 digits, has 5")
            let saved = try await admin.post("/api/v1/contacts", #"{"name": "Kari", "addresses": ["+47 123"]}"#)
            #expect(saved.status == .unprocessableContent)
            #expect(saved.errorMessage.hasSuffix(reason), "the same parser, the same words")
            let good = try await admin.post("/api/v1/addresses/check", #"{"address": "+47 123 45 678"}"#)
            #expect(try good.json["valid"].bool == true)
            #expect(try good.json["address"].string == "sms:+4712345678")
            #expect(try good.json["channel"].string == "sms")
            let user = try await admin.post("/api/v1/addresses/check", #"{"address": "user:admin"}"#)
            #expect(try user.json["reason"].string?.contains("cannot have a user: address") == true)
            #expect(try await admin.post("/api/v1/addresses/check", #"{"address": 5}"#).status == .badRequest)
        }
    }

    @Test func theImportEndpointTakesCSVFromABrowserOnlyWithTheToken() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            guard case .cookie(let secret) = alice.credential else { throw CancellationError() }
            let file = "name,phone,groups\nKari,+4712345678,field-team\n"
            let browser: HTTPFields = [CrossSiteRequestGuard.fetchSite: "same-origin"]
            let refused = try await csv(alice, file, headers: browser)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "csrf_token_invalid")
            #expect(try await harness.store.contacts().isEmpty, "a refused import changes nothing")
            var signed = browser
            signed[CSRFToken.header] = CSRFToken.make(sessionSecret: secret)
            let imported = try await csv(alice, file, headers: signed)
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(try imported.json["created"].int == 1)
            #expect(try imported.json["groups_created"].array.map(\.string) == ["field-team"])
            #expect(try imported.json["rows"][0]["missing"].array.map(\.string) == ["email"])

            #expect(try await csv(alice, file, type: "text/plain").status == .unsupportedMediaType)
            #expect(try await csv(alice, file, type: "text/csv; charset=latin1").status == .unsupportedMediaType)
            let big = "name\n" + String(repeating: "Kari Nordmann\n", count: 80_000)
            let tooBig = try await csv(alice, big)
            #expect(tooBig.status == .contentTooLarge)
            #expect(tooBig.errorCode == "csv_too_large")
            let unclosed = try await csv(alice, "name,phone\n\"Ola,+4711111111\n")
            #expect(unclosed.status == .badRequest)
            #expect(unclosed.errorMessage.contains("line 2"))
            let header = try await csv(alice, "navn,telefon\nOla,+4711111111\n")
            #expect(header.status == .unprocessableContent)
            #expect(header.errorCode == "invalid_csv_header")
            #expect(try await harness.store.contacts().count == 1, "whole-file errors change nothing")
        }
    }

    @Test func importRowsFollowTheContactPermissions() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let bob = Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob")
        try await harness.store.createContact(bob)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let file = "name,phone,email\nBob,+4711111111,bob@example.org\n"
            let refused = try await csv(alice, file)
            #expect(try refused.json["rows"][0]["outcome"].string == "refused")
            #expect(try refused.json["rows"][0]["reasons"][0].string?.contains("linked to the user 'bob'") == true)
            #expect(try await harness.store.contact(id: bob.id)?.addresses == [.sms("+4711111111")])
            let admin = try await anonymous.loginAdmin()
            let updated = try await csv(admin, file)
            #expect(try updated.json["rows"][0]["outcome"].string == "updated")
            #expect(try await harness.store.contact(id: bob.id)?.addresses == [.sms("+4711111111"), .email("bob@example.org")])
        }
    }

    @Test func theContactFormShowsTheParsersReasonNextToTheFieldAndSavesNothing() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let name = "%3Cscript%3Ealert(1)%3C%2Fscript%3EKari"
            let bad = try await form(admin, "/contacts/new", "name=\(name)&addresses%5B%5D=%2B47+123&addresses%5B%5D=kari%40example.org")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"aria-invalid="true""#))
            #expect(
                bad.text.contains(
                    #"<p class="field-reason" id="address-0-reason" aria-live="polite">phone number must have 7 to 15 digits, has 5</p>"#
                )
            )
            #expect(bad.text.contains(#"value="kari@example.org""#), "what was typed is kept")
            #expect(try await harness.store.contacts().isEmpty)

            let forged = try await form(admin, "/contacts/new", "name=Kari&addresses%5B%5D=%2B4712345678", csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await harness.store.contacts().isEmpty, "no CSRF token, nothing saved")

            let saved = try await form(admin, "/contacts/new", "name=\(name)&addresses%5B%5D=%2B47+12345678&addresses%5B%5D=")
            #expect(saved.status == .seeOther)
            let location = try #require(saved.headers[.location])
            let contact = try #require(try await harness.store.contacts().first)
            #expect(location == "/contacts/\(contact.id)?saved=1")
            #expect(contact.name == "<script>alert(1)</script>Kari")
            #expect(contact.addresses == [.sms("+4712345678")])
            for page in ["/contacts", location, "/contacts?q=kari"] {
                let html = try await admin.get(page).text
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;Kari"), "\(page)")
                #expect(!html.contains("<script>alert(1)"), "\(page)")
            }
            #expect(try await admin.get(location).text.contains("no email: no rich messages or emails"))
            #expect(!(try await admin.get("/contacts?q=nobody").text.contains("Kari")))
        }
    }

    @Test func deletingAsksFirstAndFollowsTheContactPermissions() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let bob = Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob")
        try await harness.store.createContact(bob)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let confirm = try await alice.get("/contacts/\(bob.id)/delete")
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains(#"id="confirm-delete""#))
            #expect(try await harness.store.contact(id: bob.id) != nil, "asking deletes nothing")
            let refused = try await form(alice, "/contacts/\(bob.id)/delete", "")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("linked to the user &#39;bob&#39;"))
            let admin = try await anonymous.loginAdmin()
            #expect(try await form(admin, "/contacts/\(bob.id)/delete", "", csrf: false).status == .forbidden)
            let deleted = try await form(admin, "/contacts/\(bob.id)/delete", "")
            #expect(deleted.status == .seeOther)
            #expect(try await harness.store.contact(id: bob.id) == nil)
            #expect(try await admin.get("/contacts/\(bob.id)").status == .notFound)
        }
    }

    @Test func addingAMemberWithoutEmailWarnsAtOnceAndIsStillAllowed() async throws {
        let harness = try await Harness()
        let kari = Contact(name: "<b>Kari</b>", addresses: [.sms("+4712345678")])
        try await harness.store.createContact(kari)
        try await harness.store.createContact(Contact(name: "Karin", addresses: [.email("karin@example.org")]))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            #expect(try await form(admin, "/groups", "name=Field+Team").status == .unprocessableContent)
            #expect(try await form(admin, "/groups", "name=field-team", csrf: false).status == .forbidden)
            let made = try await form(admin, "/groups", "name=field-team&description=first+responders")
            #expect(made.headers[.location] == "/groups/field-team")

            let several = try await form(admin, "/groups/field-team/members", "contact=kar")
            #expect(several.status == .ok)
            #expect(several.text.contains(#"id="member-choices""#))
            #expect(try await harness.store.members(group: "field-team").isEmpty, "several matches: nobody added yet")
            let added = try await form(admin, "/groups/field-team/members", "contact_id=\(kari.id)")
            #expect(added.status == .seeOther)
            let page = try await admin.get(try #require(added.headers[.location]))
            #expect(page.text.contains("&lt;b&gt;Kari&lt;/b&gt; has no email address: they will not get rich messages or emails."))
            #expect(!page.text.contains("<b>Kari</b>"))
            #expect(try await harness.store.members(group: "field-team").map(\.id) == [kari.id], "the warning does not stop the adding")

            let api = try await admin.post("/api/v1/groups/field-team/members", #"{"contact_id": "\#(kari.id)"}"#)
            #expect(try api.json["missing"].array.map(\.string) == ["email"])
            #expect(try api.json["warnings"].array.count == 1)

            let removed = try await form(admin, "/groups/field-team/members/\(kari.id)/remove", "")
            #expect(removed.status == .seeOther)
            #expect(try await harness.store.members(group: "field-team").isEmpty)
            #expect(try await form(admin, "/groups/field-team/members", "contact=nobody").status == .unprocessableContent)
        }
    }

    @Test func theContactsPageLinksToTheNextPageAndKeepsTheSearch() async throws {
        let harness = try await Harness()
        for index in 0..<(APIEnvironment.webContactsPageSize + 5) {
            try await harness.store.createContact(Contact(name: "Field \(String(format: "%02d", index))"))
        }
        try await harness.store.createContact(Contact(name: "Office"))
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let first = try await admin.get("/contacts?q=field")
            #expect(first.text.contains("Field 49") && !first.text.contains("Field 50") && !first.text.contains("Office"))
            let link = try #require(first.text.firstMatch(of: /href="([^"]+)" id="contacts-next"/)?.1)
            let next = try await admin.get(String(link).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(next.status == .ok)
            #expect(next.text.contains("Field 50") && next.text.contains("Field 54") && !next.text.contains("Field 49"))
            #expect(!next.text.contains(#"id="contacts-next""#), "the last page has no next link")
        }
    }

    @Test func aPlainUserCannotReaddressAnotherUsersContactFromTheForm() async throws {
        let harness = try await Harness()
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        let bob = Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob")
        try await harness.store.createContact(bob)
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let refused = try await form(alice, "/contacts/\(bob.id)", "name=Bob&addresses%5B%5D=%2B4722222222")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains(#"id="contact-error""#))
            let unchanged = try await harness.store.contact(id: bob.id)
            #expect(unchanged?.addresses == bob.addresses && unchanged?.name == bob.name)
            let renamed = try await form(alice, "/contacts/\(bob.id)", "name=Robert&addresses%5B%5D=sms%3A%2B4711111111")
            #expect(renamed.status == .seeOther, "a name is anyone's to fix")
            #expect(try await harness.store.contact(id: bob.id)?.username == "bob", "the link stays")
        }
    }

    @Test func theContactsAPIPagesTheStoresSearchWithoutSkippingOrRepeating() async throws {
        let harness = try await Harness()
        for index in 0..<120 {
            try await harness.store.createContact(Contact(id: "c\(String(format: "%03d", index))", name: "Person \(String(format: "%03d", index))"))
        }
        try await harness.store.createGroup(ContactGroup(name: "Vakt"))
        try await harness.store.addMember(group: "Vakt", contactID: "c042")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            var seen: [String] = []
            var cursor: String?
            repeat {
                let reply = try await api.get("/api/v1/contacts?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(reply.status == .ok)
                seen += try reply.json["items"].array.compactMap { $0["id"].string }
                cursor = try reply.json["next_cursor"].string
                // A contact deleted and one added before the cursor shift nothing.
                if try await harness.store.deleteContact(id: "c000") {
                    try await harness.store.createContact(Contact(id: "new", name: "Aaron"))
                }
            } while cursor != nil && seen.count < 500
            #expect(seen == (0..<120).map { "c\(String(format: "%03d", $0))" })
            // 007, 070-079 and 107: every word anywhere in the name.
            #expect(try await api.get("/api/v1/contacts?q=person%2007").json["items"].array.count == 12)
            #expect(try await api.get("/api/v1/contacts?q=VAKT").json["items"].array.compactMap { $0["id"].string } == ["c042"], "a group's name")
            let bad = try await api.get("/api/v1/contacts?cursor=zz")
            #expect(bad.status == .badRequest && bad.errorCode == "invalid_parameter")
            #expect(try await api.get("/api/v1/contacts?limit=0").errorCode == "invalid_parameter")
        }
    }

    @Test func aGroupsMembersPageInTheAPIAndOnItsPage() async throws {
        let harness = try await Harness()
        try await harness.store.createGroup(ContactGroup(name: "field"))
        let size = APIEnvironment.webContactsPageSize
        for index in 0..<(size + 3) {
            let contact = Contact(id: "m\(String(format: "%03d", index))", name: "Member \(String(format: "%03d", index))")
            try await harness.store.createContact(contact)
            try await harness.store.addMember(group: "field", contactID: contact.id)
        }
        try await harness.store.createContact(Contact(name: "Outsider"))
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            var seen: [String] = []
            var cursor: String?
            repeat {
                let reply = try await api.get("/api/v1/groups/field/members?limit=20" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(reply.status == .ok)
                seen += try reply.json["items"].array.compactMap { $0["id"].string }
                cursor = try reply.json["next_cursor"].string
            } while cursor != nil && seen.count < 500
            #expect(seen == (0..<(size + 3)).map { "m\(String(format: "%03d", $0))" }, "every member once, none else")
            #expect(try await api.get("/api/v1/groups/field/members?q=member%20052").json["items"].array.count == 1)

            try await harness.store.createGroup(ContactGroup(name: "empty"))
            let groups = try await api.get("/groups")
            #expect(groups.text.contains("<td>\(size + 3)</td>") && groups.text.contains("<td>0</td>"), "each group's count, empty ones 0")
            let first = try await api.get("/groups/field")
            #expect(first.text.contains("Member 049") && !first.text.contains("Member 050"))
            let link = try #require(first.text.firstMatch(of: /href="([^"]+)" id="members-next"/)?.1)
            let next = try await api.get(String(link).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(next.text.contains("Member 052") && !next.text.contains("Member 049"))
            #expect(next.text.contains(#"href="/groups/field" id="members-first""#))
        }
    }
}
