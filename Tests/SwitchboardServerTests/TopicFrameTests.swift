import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardSQLite
import Testing

@testable import SwitchboardServer

@Suite("Topic frames and the socket gate")
struct TopicFrameTests {
    @Test func decodesAWriteFrame() throws {
        let frame = try TopicFrameDecoder.decode(#"{"_method":"post","body":"hi","n":3,"x":1.5,"ok":true,"gone":null,"_alert":false,"_ref":"a\"b"}"#)
        #expect(frame.method == .post && !frame.alert && frame.ref == #""a\"b""#)
        #expect(frame.fields == ["body": .text("hi"), "n": .integer(3), "x": .real(1.5), "ok": .bool(true), "gone": .null])
    }

    @Test func namesWhatIsWrongWithABadFrame() {
        let cases: [(String, String)] = [
            ("{", "invalid_json"), ("[1]", "invalid_frame"), (#"{"body":"x"}"#, "missing_method"),
            (#"{"_method":"GET"}"#, "invalid_method"), (#"{"_method":"POST","b":{}}"#, "invalid_value"),
            (#"{"_method":"POST","_x":1}"#, "unknown_field"), (#"{"_method":"POST","_alert":"no"}"#, "invalid_frame"),
            (#"{"_method":"POST","_ref":[1]}"#, "invalid_frame"),
            (#"{"_method":"POST","body":"before\u0000after"}"#, "invalid_text"),
        ]
        for (text, code) in cases {
            #expect(throws: TopicFrameDecoder.Failure.self) { try TopicFrameDecoder.decode(text) }
            do { _ = try TopicFrameDecoder.decode(text) } catch { #expect(error.error.code == code, "\(text)") }
        }
    }

    @Test func readsTheSessionCookieAndTokenParameter() {
        var headers = HTTPFields()
        headers[.cookie] = "a=1; switchboard_session=s3cret; b=2"
        #expect(TopicGate.cookie("switchboard_session", in: headers) == "s3cret")
        #expect(TopicGate.queryValue("token", in: "x=1&token=ab%2Bc") == "ab+c")
        #expect(TopicConnection.split("/topics/chat?x=1") == ("/topics/chat", "x=1"))
    }

    @Test func refusesForeignOriginsButNotTheHubsOwn() throws {
        let gate = TopicGate(store: try makeStore())
        var topic = TopicDefinition(name: "chat")
        topic.origins = ["https://intranet.example"]
        func check(_ origin: String) -> Bool {
            var h = HTTPFields()
            h[.origin] = origin
            return (try? gate.checkOrigin(topic, headers: h, authority: "hub.example:8080")) != nil
        }
        #expect(check("http://hub.example:8080") && check("https://intranet.example"))
        #expect(!check("http://evil.example") && !check("http://hub.example:8081"))
    }

    func makeStore() throws -> any HubStore { try SQLiteStore.inMemory() }
}
