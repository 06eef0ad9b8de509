import Foundation

/// Before the session: STARTTLS, SASL (SCRAM-SHA-1, PLAIN only inside TLS), resume or bind.
extension XMPPClientStateMachine {
    mutating func negotiate(_ features: XMPPElement) -> [Action] {
        if !authenticated {
            let starttls = features.child("starttls", namespace: XMPPNamespace.tls)
            if !tlsActive && settings.tls != .none && starttls != nil {
                state = .startingTLS
                return [write(.make("starttls", XMPPNamespace.tls))]
            }
            if !tlsActive && settings.tls == .required {
                return close("the server does not offer STARTTLS and tls is required")
            }
            let mechanisms = Set(features.child("mechanisms", namespace: XMPPNamespace.sasl)?.elements.map(\.text) ?? [])
            if mechanisms.contains("SCRAM-SHA-1") {
                var scram = SCRAMClient(username: settings.jid.local ?? "", password: settings.password, clientNonce: makeNonce())
                let first = scram.clientFirstMessage()
                state = .authenticating(scram, finalSent: false)
                return [write(.make("auth", XMPPNamespace.sasl, [("mechanism", "SCRAM-SHA-1")], [.text(Self.base64(first))]))]
            }
            if mechanisms.contains("PLAIN") && tlsActive {
                state = .authenticating(nil, finalSent: false)
                let plain = "\0\(settings.jid.local ?? "")\0\(settings.password)"
                return [write(.make("auth", XMPPNamespace.sasl, [("mechanism", "PLAIN")], [.text(Self.base64(plain))]))]
            }
            let offered = mechanisms.sorted().joined(separator: ", ")
            return close("no usable SASL mechanism (offered: \(offered.isEmpty ? "none" : offered); PLAIN is used only inside TLS)")
        }
        if let resumption, features.child("sm", namespace: XMPPNamespace.streamManagement) != nil {
            state = .resuming
            return [write(.make("resume", XMPPNamespace.streamManagement, [("h", String(resumption.inboundHandled)), ("previd", resumption.id)]))]
        }
        resumption = nil
        return bind()
    }

    mutating func authenticate(_ stanza: XMPPElement) -> [Action] {
        guard case .authenticating(var scram, let finalSent) = state else { return [] }
        guard stanza.namespace == XMPPNamespace.sasl else { return fail(.notWellFormed, "expected a SASL answer, got \(stanza.name)") }
        switch stanza.name.localName {
        case "challenge" where scram != nil && !finalSent:
            guard let challenge = Self.unbase64(stanza.text) else { return abortSASL("the SCRAM challenge is not base64") }
            do {
                let final = try scram!.clientFinalMessage(serverFirst: challenge)
                state = .authenticating(scram, finalSent: true)
                return [write(.text("response", XMPPNamespace.sasl, Self.base64(final)))]
            } catch {
                return abortSASL(error.description)
            }
        case "challenge" where scram != nil:
            // Some servers send the signature as a last challenge before an empty success.
            guard let final = Self.unbase64(stanza.text) else { return abortSASL("the SCRAM signature is not base64") }
            do { try scram!.verifyServerFinal(final) } catch { return abortSASL(error.description) }
            state = .authenticating(nil, finalSent: true)
            return [write(.make("response", XMPPNamespace.sasl))]
        case "success":
            if let scram {
                guard finalSent, let final = Self.unbase64(stanza.text) else { return close("SCRAM success came without the server's signature") }
                do { try scram.verifyServerFinal(final) } catch { return close("SCRAM: \(error.description)") }
            }
            authenticated = true
            return restart()
        case "failure":
            let condition = stanza.elements.first?.name.localName ?? "not-authorized"
            return close("authentication failed: \(condition)")
        default:
            return fail(.notWellFormed, "unexpected SASL element \(stanza.name.localName)")
        }
    }

    mutating func abortSASL(_ reason: String) -> [Action] {
        state = .closed
        return [write(.make("abort", XMPPNamespace.sasl)), .write(XMLWriter.streamClose), .close(reason: "SCRAM: \(reason)")]
    }

    static func base64(_ text: String) -> String {
        text.isEmpty ? "=" : Data(text.utf8).base64EncodedString()
    }

    static func unbase64(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == "=" { return "" }
        return Data(base64Encoded: trimmed).flatMap { String(data: $0, encoding: .utf8) }
    }
}
