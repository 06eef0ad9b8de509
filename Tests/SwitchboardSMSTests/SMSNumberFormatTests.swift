import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMS

/// `number_format`: how a connector writes numbers for its gateway.
@Suite struct SMSNumberFormatting {
    @Test(arguments: [
        (SMSNumberFormat.Style.e164, "+4712345678"), (.international, "4712345678"), (.zeroZero, "004712345678"), (.national, "012345678"),
    ])
    func anInternationalNumberIsWrittenInTheConnectorsStyle(_ style: SMSNumberFormat.Style, _ written: String) throws {
        let format = SMSNumberFormat(style: style, countryCode: "47")
        #expect(try format.outbound(.sms("+4712345678")) == written)
    }

    @Test func aNationalStyleWritesForeignNumbersWith00AndUsesTheTrunkPrefix() throws {
        let uk = SMSNumberFormat(style: .national, countryCode: "44")
        #expect(try uk.outbound(.sms("+447700900123")) == "07700900123")
        #expect(try uk.outbound(.sms("+4712345678")) == "004712345678")
        let norway = SMSNumberFormat(style: .national, countryCode: "47", trunkPrefix: "")
        #expect(try norway.outbound(.sms("+4741234567")) == "41234567")
    }

    @Test func shortCodesGoAsTheyAreAndNationalNumbersBecomeInternationalWhenTheCountryIsKnown() throws {
        #expect(try SMSNumberFormat(style: .zeroZero).outbound(.sms("2222")) == "2222")
        #expect(try SMSNumberFormat(style: .e164).outbound(.sms("012345678")) == "012345678")
        #expect(try SMSNumberFormat(style: .e164, countryCode: "47").outbound(.sms("012345678")) == "+4712345678")
    }

    @Test func aSenderNameCannotReceiveAndFailsForGoodSayingWhy() {
        let error = #expect(throws: ConnectorError.self) { try SMSNumberFormat().outbound(.sms("Telenor")) }
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("sms:Telenor is a sender name") == true)
        #expect(error?.message.contains("cannot receive SMS") == true)
    }

    @Test func theGatewayGetsTheNumberInTheConfiguredForm() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/send?to={to}&d={to_digits}&text={text}"), "number_format": "00"]) { gw in
                _ = try await gw.send(Gateway.outbound("hi"))
                #expect(server.requests.first?.query.map(\.value) == ["004712345678", "004712345678", "hi"])
            }
        }
    }

    @Test func aReplyToASenderNameNeverReachesTheGateway() async throws {
        try await TestHTTPServer.with { server in
            try await Gateway.with(["url": .text("\(server.baseURL)/send?to={to}&text={text}")]) { gw in
                let error = await #expect(throws: ConnectorError.self) { try await gw.send(Gateway.outbound("hi", to: "Telenor")) }
                #expect(error?.kind == .permanent)
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test func badKeysAreReportedByName() {
        #expect(Gateway.make(["url": "http://gw.local/?to={to}", "number_format": "e.164"]).1.map(\.path) == ["connectors.gw.number_format"])
        #expect(Gateway.make(["url": "http://gw.local/?to={to}", "number_format": "national"]).1.map(\.path) == ["connectors.gw.number_format"])
        #expect(Gateway.make(["url": "http://gw.local/?to={to}", "country_code": "+047"]).1.map(\.path) == ["connectors.gw.country_code"])
        #expect(Gateway.make(["url": "http://gw.local/?to={to}", "trunk_prefix": "0"]).1.map(\.path) == ["connectors.gw.trunk_prefix"])
        let (ok, problems) = Gateway.make(["url": "http://gw.local/?to={to}", "number_format": "national", "country_code": "47", "trunk_prefix": ""])
        #expect(problems.isEmpty && ok?.configuration.numberFormat == SMSNumberFormat(style: .national, countryCode: "47", trunkPrefix: ""))
    }
}
