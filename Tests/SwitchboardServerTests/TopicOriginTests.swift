import HTTPTypes
import SwitchboardCore
import SwitchboardSQLite
import Testing

@testable import SwitchboardServer

@Suite("Topic origin check: scheme and authority")
struct TopicOriginTests {
    func allowed(_ origin: String, scheme: String, authority: String = "hub.example:8080") throws -> Bool {
        let gate = TopicGate(store: try SQLiteStore.inMemory())
        var headers = HTTPFields()
        headers[.origin] = origin
        return (try? gate.checkOrigin(TopicDefinition(name: "chat"), headers: headers, authority: authority, scheme: scheme)) != nil
    }

    @Test func theSchemeMustBeTheHubsOwn() throws {
        #expect(try allowed("http://hub.example:8080", scheme: "http"))
        #expect(try !allowed("https://hub.example:8080", scheme: "http"))
        #expect(try allowed("https://hub.example:8080", scheme: "https"))
        #expect(try !allowed("http://hub.example:8080", scheme: "https"))
        #expect(try !allowed("hub.example:8080", scheme: "http"))
    }

    @Test func aDefaultPortMayBeLeftOut() throws {
        #expect(try allowed("https://hub.example", scheme: "https", authority: "hub.example:443"))
        #expect(try allowed("http://HUB.example:80", scheme: "http", authority: "hub.example"))
        #expect(try !allowed("https://hub.example:80", scheme: "https", authority: "hub.example"))
    }

    @Test func aSubscriptionTheClientGotWrongIsARefusalNotAServerError() {
        #expect(TopicSocketHandler.refusalStatus(.invalid) == .badRequest)
        #expect(TopicSocketHandler.refusalStatus(.forbidden) == .forbidden)
        #expect(TopicSocketHandler.refusalStatus(.unavailable) == nil)
    }
}
