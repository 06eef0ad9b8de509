import Foundation
import SwitchboardConfig
import Testing

@testable import SwitchboardCore

@Suite("Conversation settings in the configuration")
struct ConversationConfigTests {
    @Test func defaultsAndEveryKey() throws {
        let defaults = try #require(ConfigTestEngines.parse("").configuration).conversations
        #expect(defaults == ConversationSettings())
        #expect(defaults.commandPrefix == "/" && defaults.idleTimeout == 1800 && defaults.signOutTimeout == 300)
        #expect(defaults.retention == 30 * 86_400)
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              phone: {engine: bucket, channels: [sms], command_prefix: "#"}
              other: {engine: bucket, channels: [sms]}
            conversations:
              command_prefix: "*"
              idle_timeout: 10m
              signout_timeout: 2m
              retention: 7d
              sweep_interval: 5s
            """
        )
        let s = try #require(parsed.configuration, "\(parsed.problems)").conversations
        #expect(s.commandPrefix == "*" && s.idleTimeout == 600 && s.signOutTimeout == 120 && s.retention == 7 * 86_400 && s.sweepInterval == 5)
        #expect(s.commandPrefix(for: "phone") == "#" && s.commandPrefix(for: "other") == "*")
    }

    @Test func badValuesAreReportedWithTheirKeyPaths() {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              phone: {engine: bucket, channels: [sms], command_prefix: "go"}
            conversations:
              command_prefix: ""
              idle_timeout: 0s
              retention: soon
              colour: blue
            """
        )
        #expect(parsed.configuration == nil)
        #expect(
            Set(parsed.paths) == [
                "connectors.phone.command_prefix", "conversations.command_prefix", "conversations.idle_timeout",
                "conversations.retention", "conversations.colour",
            ]
        )
        #expect(parsed.problem(at: "connectors.phone.command_prefix")?.message.contains("letters") == true)
    }
}
