import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardModem

@Suite struct ModemResponsesTests {
    @Test func answersAreRead() {
        #expect(ModemResponses.messageReference(["+CMGS: 12"]) == 12)
        #expect(ModemResponses.messageReference(["+CMGS: 300"]) == nil)
        #expect(ModemResponses.signal(["+CSQ: 17,99"]) == .some(17))
        #expect(ModemResponses.signal(["+CSQ: 99,99"]) == .some(nil))
        #expect(ModemResponses.signal(["junk"]) == nil)
        #expect(ModemResponses.registration(["+CREG: 0,5"]) == 5)
        #expect(ModemResponses.registration(["+CREG: 2,1,\"00C3\",\"1234\""]) == 1)
        #expect(ModemResponses.read(["+CMGR: 0,,24", "0791AB"], index: 3) == .init(index: 3, status: 0, length: 24, pdu: "0791AB"))
        #expect(ModemResponses.read([], index: 3) == nil)
        let (messages, odd) = ModemResponses.list(["+CMGL: 1,0,,24", "AA", "garbage", "+CMGL: 4,1,\"x\",25", "BB"])
        #expect(messages == [.init(index: 1, status: 0, length: 24, pdu: "AA"), .init(index: 4, status: 1, length: 25, pdu: "BB")])
        #expect(odd == ["garbage"])
    }
}

@Suite struct ConcatenationBufferTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func part(_ seq: UInt8, of total: UInt8, ref: UInt16 = 9) -> UserDataHeader.Concatenation {
        .init(reference: ref, total: total, sequence: seq)
    }

    @Test func partsOutOfOrderAreJoinedInOrder() {
        var b = ConcatenationBuffer(timeout: .seconds(60))
        #expect(b.add(sender: "+47", concatenation: part(3, of: 3), text: "C", index: 7, at: t0) == nil)
        #expect(b.add(sender: "+47", concatenation: part(1, of: 3), text: "A", index: 5, at: t0) == nil)
        // Another sender's part with the same reference is another message.
        #expect(b.add(sender: "+46", concatenation: part(2, of: 3), text: "x", index: 8, at: t0) == nil)
        let done = b.add(sender: "+47", concatenation: part(2, of: 3), text: "B", index: 6, at: t0)
        #expect(done == .init(sender: "+47", text: "ABC", indexes: [5, 6, 7], receivedAt: t0, missing: []))
        #expect(b.count == 1)
    }

    @Test func aPartReadTwiceCountsOnce() {
        var b = ConcatenationBuffer(timeout: .seconds(60))
        _ = b.add(sender: "+47", concatenation: part(1, of: 2), text: "A", index: 1, at: t0)
        #expect(b.add(sender: "+47", concatenation: part(1, of: 2), text: "A", index: 1, at: t0) == nil)
        #expect(b.add(sender: "+47", concatenation: part(2, of: 2), text: "B", index: 2, at: t0)?.text == "AB")
    }

    @Test func partsThatNeverComeAreMarkedAfterTheTimeout() {
        var b = ConcatenationBuffer(timeout: .seconds(60))
        _ = b.add(sender: "+47", concatenation: part(1, of: 3), text: "A", index: 1, at: t0)
        _ = b.add(sender: "+47", concatenation: part(3, of: 3), text: "C", index: 3, at: t0.addingTimeInterval(30))
        #expect(b.expired(at: t0.addingTimeInterval(59)) == [])
        #expect(b.expired(at: t0.addingTimeInterval(60)) == [.init(sender: "+47", text: "A…C", indexes: [1, 3], receivedAt: t0, missing: [2])])
        #expect(b.count == 0)
    }
}

@Suite struct EarlyReportsTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func report(_ mr: UInt8, to number: String = "+4712345678", status: UInt8 = 0) throws -> SMSStatusReport {
        SMSStatusReport(smsc: nil, reference: mr, recipient: try PDUAddress.number(number), submittedAt: t0, dischargedAt: t0, status: status)
    }

    @Test func aReportIsTakenByThePartItMayBeAbout() throws {
        var early = EarlyReports()
        early.keep(try report(3), now: t0)
        early.keep(try report(3, to: "+4798765432"), now: t0)
        #expect(early.take(reference: 4, recipientKey: SentPart.recipientKey("+4712345678"), now: t0).isEmpty)
        #expect(early.take(reference: 3, recipientKey: SentPart.recipientKey("+4712345678"), now: t0) == [try report(3)])
        // Taken once.
        #expect(early.take(reference: 3, recipientKey: SentPart.recipientKey("+4712345678"), now: t0).isEmpty)
        #expect(early.count == 1)
    }

    @Test func reportsOlderThanTheWindowAreDropped() throws {
        var early = EarlyReports()
        early.keep(try report(4), now: t0)
        let key = SentPart.recipientKey("+4712345678")
        #expect(early.take(reference: 4, recipientKey: key, now: t0.addingTimeInterval(EarlyReports.window + 1)).isEmpty)
        #expect(early.count == 0)
    }

    @Test func atMostTheLimitIsKept() throws {
        var early = EarlyReports()
        for i in 0..<(EarlyReports.limit + 10) { early.keep(try report(UInt8(i % 256)), now: t0) }
        #expect(early.count == EarlyReports.limit)
    }
}

@Suite struct ModemConfigurationTests {
    static func make(_ keys: [(String, String)], env: [String: String] = [:]) -> (ModemConnector?, [ConfigProblem]) {
        let node = ConfigNode.mapping(keys.map { (key: $0.0, keyMark: nil, value: ConfigNode.scalar($0.1, nil)) }, nil)
        let reader = ConfigReader(node: node, path: "connectors.gsm")
        let settings = ConnectorSettings(name: "gsm", engine: "modem", channels: [.sms], settings: node)
        let connector = ModemConnector.engine.make(settings, reader, ConfigEnvironment(variables: env))
        reader.rejectUnknownKeys()
        return (connector as? ModemConnector, reader.problems)
    }

    @Test func everyKeyIsRead() throws {
        let (c, problems) = Self.make(
            [
                ("device", "/dev/ttyUSB1"), ("baud", "9600"), ("pin_env", "MODEM_PIN"), ("smsc", "+4790002100"), ("storage", "ME"),
                ("indications", "2,1,0,2,0"), ("status_reports", "false"), ("validity", "1d"), ("command_timeout", "5s"),
                ("send_timeout", "2m"), ("health_interval", "30s"), ("reopen_delay", "3s"), ("concat_timeout", "1h"),
                ("status_report_window", "2d"),
            ],
            env: ["MODEM_PIN": "1234"]
        )
        #expect(problems == [])
        let config = try #require(c?.configuration)
        var expected = ModemConnector.Configuration(device: "/dev/ttyUSB1")
        expected.baud = 9600
        expected.pin = "1234"
        expected.smsc = "+4790002100"
        expected.storage = "ME"
        expected.indications = "2,1,0,2,0"
        expected.statusReports = false
        expected.validity = .seconds(86400)
        expected.commandTimeout = .seconds(5)
        expected.sendTimeout = .seconds(120)
        expected.healthInterval = .seconds(30)
        expected.reopenDelay = .seconds(3)
        expected.concatTimeout = .seconds(3600)
        expected.statusReportWindow = .seconds(2 * 86400)
        #expect(config == expected)
        #expect(!config.description.contains("1234"))
    }

    @Test func badValuesAreNamed() {
        let (c, problems) = Self.make(
            [("device", "ttyUSB1"), ("baud", "12345"), ("pin_env", "MODEM_PIN"), ("smsc", "4790002100"), ("storage", "XX"), ("send_timeout", "0s")],
            env: ["MODEM_PIN": "12"]
        )
        #expect(c == nil)
        #expect(Set(problems.map(\.path)) == Set(["device", "baud", "pin_env", "smsc", "storage", "send_timeout"].map { "connectors.gsm.\($0)" }))
        #expect(!problems.description.contains("\"12\""))
        let (_, missing) = Self.make([])
        #expect(missing.map(\.path) == ["connectors.gsm.device"])
    }

    @Test func aModemThatIsNotOpenRefusesAsTransient() async throws {
        let (c, _) = Self.make([("device", "/dev/null")])
        let connector = try #require(c)
        let delivery = Delivery(id: "d1", messageID: "m1", address: .sms("+4712345678"), channel: .sms)
        do {
            _ = try await connector.send(Outbound(delivery: delivery, message: Message(id: "m1", text: "hi")))
            Issue.record("sent without a modem")
        } catch let error as ConnectorError {
            #expect(error.kind == .transient)
        }
    }
}
