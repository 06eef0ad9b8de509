import Foundation
import SwitchboardCore

/// Sends and receives SMS through a Kannel smsbox: sendsms out, its sms-service `get-url`
/// in, and delivery reports back through a `dlr-url`.
///
/// Why an engine of its own when `http-gateway` can already call sendsms: Kannel needs more
/// than a URL template. A text that is not GSM 7-bit must be marked `coding=2`, or Kannel
/// sends question marks; delivery reports need a `dlr-url` that carries the hub's delivery id
/// and the connector's secret; and Kannel calls the hub back, so the connector must know that
/// secret and how Kannel writes numbers and charsets (`KannelCallback`, `SMSNumberFormat`). The
/// sending itself is the `http-gateway` engine's, unchanged: one configured
/// `HTTPGatewayConnector` per coding, so timeouts, answer classification (4xx listed in
/// `permanent_status` permanent, other failures transient) and the HTTP client's life are
/// the same as for any gateway. Kannel's `202 0: Accepted for delivery` (and `3: Queued for
/// later delivery`) are 2xx, so sent; Kannel gives no message id, so reports are matched by
/// the hub's delivery id in the `dlr-url`.
///
/// Secrets (the sendsms password and the inbound secret) are blanked out of every error, in
/// every encoding they can appear in, since errors are stored on deliveries and logged.
package final class KannelConnector: CallbackConnector {
    package let name: String
    package let engine = "kannel"
    package let channels: [ChannelName]
    package let configuration: Configuration

    let gsm: HTTPGatewayConnector
    let ucs2: HTTPGatewayConnector

    package var callbackSecret: String? { configuration.inboundSecret }

    package init(name: String, channels: [ChannelName] = [.sms], configuration: Configuration) throws(TemplateError) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        gsm = HTTPGatewayConnector(name: name, channels: channels, configuration: try configuration.gateway(connector: name, ucs2: false))
        ucs2 = HTTPGatewayConnector(name: name, channels: channels, configuration: try configuration.gateway(connector: name, ucs2: true))
    }

    /// The `kannel` engine; keys are documented on `Configuration`.
    package static let engine = ConnectorEngine(name: "kannel") { settings, reader, environment in
        guard var configuration = Configuration.read(reader, environment: environment) else { return nil }
        configuration.maxInFlight = settings.dispatch.gate.maxInFlight
        do {
            return try KannelConnector(name: settings.name, channels: settings.channels, configuration: configuration)
        } catch {
            reader.problem("url", "\(error)")
            return nil
        }
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        var outbound = outbound
        // Composed form, as the count assumes: a decomposed "é" is GSM, but Kannel would
        // turn its combining accent into "?".
        outbound.message.text = outbound.message.text.precomposedStringWithCanonicalMapping
        do {
            return try await gateway(for: outbound.message.text).send(outbound)
        } catch let error as ConnectorError {
            throw ConnectorError(error.kind, redact(error.message))
        }
    }

    /// An sms-service call (MO), read as `KannelCallback` does, senders as `number_format` says.
    package func inboundMessage(from parameters: CallbackParameters, receivedAt: Date) throws(SwitchboardError) -> InboundMessage {
        try KannelCallback.inboundMessage(connector: name, parameters: parameters, numbers: configuration.numberFormat, receivedAt: receivedAt)
    }

    /// A `dlr-url` call.
    package func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport {
        try KannelCallback.deliveryReport(from: parameters)
    }

    /// The sender for a text: UCS-2 (`coding=2`) when any character is outside GSM 03.38.
    func gateway(for text: String) -> HTTPGatewayConnector {
        SMSEncoding.count(text).encoding == .ucs2 ? ucs2 : gsm
    }

    /// Waits for the hub to stop, then closes both HTTP clients once their sends are done.
    package func run(sink: any InboundSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await shutdown()
    }

    /// For hosts and tests that never call `run(sink:)`; safe to call twice.
    package func shutdown() async {
        await gsm.shutdown()
        await ucs2.shutdown()
    }

    /// Blanks every secret out of `text`, longest form first so no fragment is left.
    func redact(_ text: String) -> String {
        configuration.secrets.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
