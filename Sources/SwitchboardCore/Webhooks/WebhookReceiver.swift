import Foundation

/// A connector whose far side posts signed JSON to the hub (the `webhook` engine's inbound
/// side), at `POST /api/v1/connectors/NAME/webhook`.
///
/// The split mirrors `CallbackConnector`: the HTTP layer reads the body and the signature
/// header, parses and commits the message; the connector, which holds the secret, proves the
/// signature. So the secret never leaves the connector and the scheme lives in one place for
/// both directions (outbound requests are signed by the same code).
package protocol WebhookReceiver: Connector {
    /// Largest request body accepted, in bytes; larger bodies get 413 and are not read.
    var maxInboundBytes: Int { get }
    /// Checks the signature header's value over the exact body at `now`. Throws
    /// `unauthorized` with a code saying what is wrong (`missing_signature`,
    /// `malformed_signature`, `bad_signature`, `stale_signature`).
    func verifySignature(_ header: String?, body: [UInt8], now: Date) throws(SwitchboardError) -> WebhookProof
}

/// What a valid signature proves about a request.
package struct WebhookProof: Sendable, Equatable {
    /// The signed timestamp.
    package var timestamp: Date
    /// The matching signature (lower-case hex): unique per timestamp and body, so it names
    /// the request for replay detection.
    package var signature: String
    /// Until when a replay of this request would still pass the timestamp check, so until
    /// when it must be remembered.
    package var rememberUntil: Date
    package init(timestamp: Date, signature: String, rememberUntil: Date) {
        self.timestamp = timestamp
        self.signature = signature
        self.rememberUntil = rememberUntil
    }
}
