import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The CSV import on its own (no HTTP): a report per row, bad rows refused alone, whole-file
/// errors changing nothing, rows matched to the contacts they stand for.
@Suite struct ContactImportTests {
    func importer(_ store: any HubStore, limits: ContactImport.Limits = .init()) -> ContactImport {
        ContactImport(store: store, authorize: { _, _ in }, limits: limits)
    }

    @Test func eachRowIsReportedAndABadRowDoesNotStopTheOthers() async throws {
        let store = try await Harness().store
        let lines = [
            "\u{FEFF}Name,Phone,Email,Groups",
            "Kari Nordmann,+47 123 45 678,kari@example.org,field-team;ops",
            "Ola,98765432,ola@@example.org,field-team",
            ",+4798765432,,",
            #""Hansen, Per",,per@example,"#,
            #""Åse ""the boss""",+4740000000,,Field Team"#,
            "Lise,,lise@example.org,field-team",
        ]
        let csv = lines.joined(separator: "\r\n") + "\r\n"
        let report = try await importer(store).run(Array(csv.utf8))
        #expect(report.rows.map(\.line) == [2, 3, 4, 5, 6, 7])
        #expect(report.rows.map(\.outcome) == [.created, .refused, .refused, .created, .refused, .created])
        #expect((report.created, report.refused, report.updated) == (3, 3, 0))
        #expect(
            report.rows[1].reasons == [
                "bad phone: phone number must be in international E.164 form starting with + (or a short code of 3 to 6 digits)",
                "bad email: email address must contain exactly one @",
            ]
        )
        #expect(report.rows[2].reasons == ["missing name"])
        #expect(report.rows[4].reasons.first?.hasPrefix("bad group name 'Field Team'") == true)
        #expect(report.rows[4].name == #"Åse "the boss""#)
        #expect(report.groupsCreated == ["field-team", "ops"], "unknown groups are created and listed")
        let kariID = try #require(report.rows[0].contactID)
        let kari = try #require(try await store.contact(id: kariID))
        #expect(kari.addresses == [.sms("+4712345678"), .email("kari@example.org")])
        #expect(report.rows[3].missing == ["phone"], "Per has no phone")
        #expect(report.rows[5].missing == ["phone"])
        #expect(Set(try await store.members(group: "field-team").map(\.name)) == ["Kari Nordmann", "Lise"])
        #expect(try await store.contacts().count == 3, "refused rows wrote nothing")
    }

    @Test func aRowWithAKnownPhoneOrEmailUpdatesThatContactAndKeepsWhatItHad() async throws {
        let store = try await Harness().store
        let kari = Contact(name: "Kari", addresses: [.sms("+4712345678"), .xmpp("kari@chat.example")])
        try await store.createContact(kari)
        try await store.createContact(Contact(name: "Ola", addresses: [.email("ola@example.org")]))
        let csv = """
            name,phone,email,groups
            Kari Nordmann,+4712345678,kari@example.org,ops
            Kari Nordmann,+4712345678,kari@example.org,ops
            Ola,,,
            Ola,+4711111111,ola@example.org,
            Ola,+4712345678,ola@example.org,
            """
        let report = try await importer(store).run(Array(csv.utf8))
        #expect(report.rows.map(\.outcome) == [.updated, .unchanged, .unchanged, .updated, .refused])
        #expect(report.rows.map(\.contactID).prefix(2) == [kari.id, kari.id])
        let updated = try #require(try await store.contact(id: kari.id))
        #expect(updated.name == "Kari Nordmann")
        #expect(updated.addresses == [.sms("+4712345678"), .xmpp("kari@chat.example"), .email("kari@example.org")])
        #expect(report.rows[4].reasons == ["sms:+4712345678 is Kari Nordmann's and mailto:ola@example.org is Ola's: two different contacts"])
        #expect(try await store.contacts().count == 2, "no duplicate was made")
    }

    @Test func aContactMadeByOneRowIsUpdatedByALaterOneAndStoredOnce() async throws {
        let store = try await Harness().store
        let csv = "name,phone,email,groups\nKari,+4712345678,,ops\nKari N,+4712345678,kari@example.org,ops;field\n"
        let report = try await importer(store).run(Array(csv.utf8))
        #expect(report.rows.map(\.outcome) == [.created, .updated])
        #expect(report.rows[0].contactID == report.rows[1].contactID)
        let contacts = try await store.contacts()
        #expect(contacts.map(\.name) == ["Kari N"])
        #expect(contacts.first?.addresses == [.sms("+4712345678"), .email("kari@example.org")])
        #expect(try await store.members(group: "ops").map(\.name) == ["Kari N"])
        #expect(try await store.members(group: "field").map(\.name) == ["Kari N"])
    }

    @Test func aNewAddressMakesANewContactEvenWhenTheNameExists() async throws {
        let store = try await Harness().store
        try await store.createContact(Contact(name: "Per", addresses: [.sms("+4711111111")]))
        try await store.createContact(Contact(name: "Per"))
        let report = try await importer(store).run(Array("name,phone\nPer,+4722222222\nPer,\n".utf8))
        #expect(report.rows.map(\.outcome) == [.created, .refused])
        #expect(report.rows[1].reasons == ["3 contacts are named Per; give a phone or email to tell them apart"])
    }

    @Test func aRowTheUserMayNotMakeIsRefusedWithTheRulesReason() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        let store = harness.store
        try await store.createContact(Contact(name: "Bob", addresses: [.sms("+4711111111")], username: "bob"))
        let guarded = ContactImport(
            store: store,
            authorize: { old, new in
                if let old, old.username != nil, old.addresses != new.addresses { throw APIError.forbidden("only bob may change Bob") }
            }
        )
        let report = try await guarded.run(Array("name,phone,email,groups\nBob,+4711111111,bob@example.org,\nBob,+4711111111,,ops\n".utf8))
        #expect(report.rows.map(\.outcome) == [.refused, .updated], "joining a group is not an address change")
        #expect(report.rows[0].reasons == ["only bob may change Bob"])
        #expect(try await store.contacts().first?.addresses == [.sms("+4711111111")])
    }

    @Test func wholeFileErrorsChangeNothing() async throws {
        let store = try await Harness().store
        let small = ContactImport.Limits(maxBytes: 200, maxRows: 2)
        let cases: [(String, ContactImportError.Kind)] = [
            ("name\nA\nB\nC\n", .tooManyRows),
            ("name\n" + String(repeating: "x", count: 300), .tooLarge),
            ("name\n\"Kari,+47\n", .notCSV),
            ("name;phone\nKari;+4712345678\n", .badHeader),
            ("name,mobile\nKari,+4712345678\n", .badHeader),
            ("phone\n+4712345678\n", .badHeader),
            ("name,name\nKari,Kari\n", .badHeader),
            ("", .badHeader),
        ]
        for (csv, kind) in cases {
            await #expect(throws: ContactImportError.self, "\(csv)") { try await importer(store, limits: small).run(Array(csv.utf8)) }
            do { _ = try await importer(store, limits: small).run(Array(csv.utf8)) } catch let error as ContactImportError {
                #expect(error.kind == kind, "\(csv): \(error.message)")
            }
        }
        do {
            _ = try await importer(store).run(Array("name;phone\n".utf8))
        } catch let error as ContactImportError {
            #expect(error.message.contains("separate the columns with commas"))
        }
        #expect(try await store.contacts().isEmpty)
        #expect(try await store.groups().isEmpty)
        let exact = try await importer(store, limits: small).run(Array("name\nA\nB\n".utf8))
        #expect(exact.created == 2, "exactly the row limit is allowed")
    }

    @Test func columnsMayComeInAnyOrderAndShortRowsAreFilledWithEmptyFields() async throws {
        let store = try await Harness().store
        let report = try await importer(store).run(Array("email,NAME\nk@example.org,Kari\n,Ola\nx@example.org\n".utf8))
        #expect(report.rows.map(\.outcome) == [.created, .created, .refused])
        #expect(report.rows[2].reasons == ["missing name"])
        let long = try await importer(store).run(Array("name\nKari,extra\nOla,\n".utf8))
        #expect(long.rows.map(\.outcome) == [.refused, .unchanged])
        #expect(long.rows[0].reasons == ["the row has 2 fields where the header has 1"])
    }
}
