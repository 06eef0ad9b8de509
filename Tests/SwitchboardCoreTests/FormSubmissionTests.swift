import Foundation
import Logging
import SwitchboardCore
import Testing

/// Telling XForms submissions from plain text, on text alone.
@Suite struct XFormsReading {
    static let survey = """
        <data id="household_survey" version="3"><name>Kari</name><members>4</members>\
        <location><lat>59.9</lat><lon>10.7</lon></location></data>
        """

    @Test func aFormBecomesItsFieldsInDocumentOrderWithNestedPaths() throws {
        guard case .form(let form) = XFormsReader.read(Self.survey) else {
            Issue.record("not read as a form")
            return
        }
        #expect(form.formID == "household_survey")
        #expect(form.version == "3")
        #expect(
            form.fields == [
                FormField(path: "name", value: "Kari"), FormField(path: "members", value: "4"),
                FormField(path: "location/lat", value: "59.9"), FormField(path: "location/lon", value: "10.7"),
            ]
        )
    }

    @Test func repeatedSiblingsAreNumberedAndEmptyAnswersKept() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <survey xmlns="http://openrosa.org/formdesigner/ABC" xmlns:jr="http://openrosa.org/javarosa">
              <member><name>Kari &amp; Ola</name><age>41</age></member>
              <member><name><![CDATA[Åse <3]]></name><age/></member>
              <meta><instanceID>uuid:1</instanceID></meta>
            </survey>
            """
        guard case .form(let form) = XFormsReader.read("\n  " + xml) else {
            Issue.record("not read as a form")
            return
        }
        #expect(form.formID == "http://openrosa.org/formdesigner/ABC")
        #expect(form.version == nil)
        #expect(form.fields.map(\.path) == ["member[1]/name", "member[1]/age", "member[2]/name", "member[2]/age", "meta/instanceID"])
        #expect(form.fields.map(\.value) == ["Kari & Ola", "41", "Åse <3", "", "uuid:1"])
    }

    @Test func theRootNameIsTheFormIDWhenNothingElseNamesIt() {
        guard case .form(let form) = XFormsReader.read("<visit><site>7</site></visit>") else {
            Issue.record("not a form")
            return
        }
        #expect(form.formID == "visit")
    }

    @Test(arguments: [
        "<3 you", "< 5 degrees", "<<urgent>> call me", "On my way", "", "<grin> see you soon",
        "<b>bold</b>", "<?php echo 1 ?>", "<data id=\"x\"/>",
    ])
    func plainTextIsLeftAlone(_ text: String) {
        #expect(XFormsReader.read(text) == .plainText)
    }

    @Test(arguments: [
        "<data id=\"household_survey\"><name>Kari</data>",
        "<data id=\"s\"><name>Kari</name><members>4</mem",
        "<data><a>1</a></data><data><a>2</a></data>",
        "<?xml version=\"1.0\"?><data><a>1</a>",
    ])
    func brokenXMLIsMalformedWithAReason(_ text: String) {
        guard case .malformed(let reason) = XFormsReader.read(text) else {
            Issue.record("\(XFormsReader.read(text))")
            return
        }
        #expect(reason.contains("not well-formed"))
    }

    @Test func documentTypeDeclarationsAreRefusedSoNoEntityExpands() {
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <data><a>&lol2;</a></data>
            """
        guard case .malformed(let reason) = XFormsReader.read(bomb) else {
            Issue.record("not refused")
            return
        }
        #expect(reason.contains("document type declaration"))
    }

    @Test func deepNestingIsMalformedNotACrash() {
        let deep = String(repeating: "<a>", count: 200) + "x" + String(repeating: "</a>", count: 200)
        guard case .malformed(let reason) = XFormsReader.read("<data>" + deep + "</data>") else {
            Issue.record("not refused")
            return
        }
        #expect(reason.contains("deeper"))
    }
}

/// The handler in the hub's inbound pipeline: forms are recorded and linked, and every message
/// still reaches the inbox.
@Suite struct FormSubmissionHandling {
    static func hub() throws -> Hub {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        let store = MemoryStore()
        return Hub(
            configuration: configuration,
            store: store,
            connectors: [BucketConnector(name: "tester")],
            handlers: [FormSubmissionHandler(store: store)],
            logger: Logger(label: "test")
        )
    }

    static func receive(_ hub: Hub, _ text: String) async throws -> InboundResult {
        try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: text))
    }

    @Test func aValidFormIsRecordedLinkedToItsMessageAndStillReachesTheInbox() async throws {
        let hub = try Self.hub()
        let result = try await Self.receive(hub, XFormsReading.survey)
        #expect(result.inboxItemID != nil)
        let form = try #require(try await hub.store.formSubmission(messageID: result.messageID, viewer: .unrestricted))
        #expect(form.formID == "household_survey" && form.error == nil)
        #expect(form["location/lat"] == "59.9")
        let item = try #require(try await hub.store.inboxItem(id: result.inboxItemID!, viewer: "admin"))
        #expect(item.message.text == XFormsReading.survey)
    }

    @Test func malformedXMLIsKeptAsPlainTextWithTheWarningVisible() async throws {
        let hub = try Self.hub()
        let text = "<data id=\"household_survey\"><name>Kari</data>"
        let result = try await Self.receive(hub, text)
        #expect(result.inboxItemID != nil)
        let item = try #require(try await hub.store.inboxItem(id: result.inboxItemID!, viewer: "admin"))
        #expect(item.message.text == text)
        let form = try #require(try await hub.store.formSubmission(messageID: result.messageID, viewer: .unrestricted))
        #expect(form.fields.isEmpty && form.formID == nil)
        #expect(form.error?.contains("not well-formed") == true)
    }

    @Test(arguments: ["Plain text, nothing more", "<3 you"])
    func plainTextPassesUntouched(_ text: String) async throws {
        let hub = try Self.hub()
        let result = try await Self.receive(hub, text)
        #expect(result.inboxItemID != nil)
        #expect(try await hub.store.formSubmission(messageID: result.messageID, viewer: .unrestricted) == nil)
        #expect(try await hub.store.formSubmissions(FormQuery(viewer: .unrestricted)).items.isEmpty)
    }
}
