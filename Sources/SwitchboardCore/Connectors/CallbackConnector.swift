import Foundation

/// A connector whose gateway calls the hub back over HTTP: inbound messages (Kannel's
/// sms-service `get-url`) and delivery reports (its `dlr-url`) arrive at
/// `/api/v1/connectors/NAME/inbound` and `/dlr`, proved by a per-connector secret instead of
/// a login, since a gateway cannot log in.
///
/// The HTTP layer reads the parameters and checks the secret; the connector turns the
/// parameters into a message or a report in its gateway's dialect (the `kannel` engine's
/// reading, which playSMS and Jasmin share, is `KannelCallback` in SwitchboardSMS).
package protocol CallbackConnector: Connector {
    /// The secret callbacks must carry; `nil` when the connector takes none (404).
    var callbackSecret: String? { get }
    /// The inbound message the parameters describe, or `invalid` naming what is malformed.
    func inboundMessage(from parameters: CallbackParameters, receivedAt: Date) throws(SwitchboardError) -> InboundMessage
    /// The delivery report the parameters describe, or `invalid` naming what is malformed.
    func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport
}

/// The parameters of a gateway callback, query string and form body merged, with values kept
/// as bytes: Kannel passes a UCS-2 message's text as percent-encoded UTF-16BE, which is not a
/// string until `charset` says how to read it.
package struct CallbackParameters: Sendable, Equatable {
    package private(set) var values: [String: [UInt8]]

    package init(_ values: [String: [UInt8]] = [:]) { self.values = values }

    /// Adds `application/x-www-form-urlencoded` pairs (`+` is a space). A name given twice, here
    /// or before, is `invalid`: which one was meant cannot be known.
    package mutating func add(urlEncoded bytes: some Collection<UInt8>) throws(SwitchboardError) {
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(bytes: Self.decode(parts[0]), encoding: .utf8), !name.isEmpty else { continue }
            guard values[name] == nil else { throw .invalid("duplicate_parameter", "parameter '\(name)' is given more than once") }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : []
        }
    }

    package func bytes(_ name: String) -> [UInt8]? { values[name] }

    /// The value as UTF-8 text; bytes that are not UTF-8 become U+FFFD.
    package func string(_ name: String) -> String? { values[name].map { String(decoding: $0, as: UTF8.self) } }

    static func decode(_ encoded: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var i = encoded.startIndex
        while i != encoded.endIndex {
            let byte = encoded[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let h = encoded.index(i, offsetBy: 1, limitedBy: encoded.endIndex), h != encoded.endIndex,
                let l = encoded.index(h, offsetBy: 1, limitedBy: encoded.endIndex), l != encoded.endIndex,
                let hi = hex(encoded[h]), let lo = hex(encoded[l])
            {
                out.append(hi << 4 | lo)
                i = l
            } else {
                out.append(byte)
            }
            i = encoded.index(after: i)
        }
        return out
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
