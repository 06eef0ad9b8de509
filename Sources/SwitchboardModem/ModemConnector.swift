import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import SwitchboardCore
import Synchronization

/// A GSM modem on a serial line as a connector (engine `modem`): sends SMS in PDU mode,
/// receives them, matches status reports to deliveries, and watches signal and registration.
///
/// Why: in a disaster the Internet gateway is often the first thing to go; a modem in the
/// server sends as long as the mobile network is up. Several modems are several connectors,
/// each with its own device, sending in parallel.
///
/// `run(sink:)` owns the device: it opens it (`ModemLink`, start-up by `ModemStateMachine`),
/// reads what waits on the SIM, then handles unsolicited codes, checks health every
/// `health_interval` (and reads the SIM again then, in case an indication was lost), and opens
/// the modem again `reopen_delay` after it stops answering or goes away. A start-up failure
/// that retrying cannot fix (a wrong PIN: retrying would lock the SIM) stops it until restart.
///
/// A modem not registered on a network (or not open) refuses sends as transient failures, so
/// the route fails over to its next connector until the modem is back.
package final class ModemConnector: Connector {
    package let name: String
    package let engine = "modem"
    /// On several nodes, run by one only: one process at a time can hold the serial line.
    package var singleOwner: Bool { true }
    package let channels: [ChannelName]
    package let configuration: Configuration
    let logger: Logger
    let group: any EventLoopGroup

    struct State: Sendable {
        var link: ModemLink?
        /// `+CREG` stat: 1 home, 5 roaming; nil before the first check.
        var registration: Int?
        /// `+CSQ` rssi 0-31; nil when not known.
        var signal: Int?
        var reference: UInt8 = 0
        /// The hub's sink while `run(sink:)` runs: where status reports go.
        var sink: (any InboundSink)?
        /// Where sent references are kept: the hub's store (`SentReferenceSink`) once `run`
        /// has the sink; memory for a sink that keeps none.
        var references: any SentReferenceStore = MemoryStore()
        /// The receiving task's queue while a link is open: a recorded reference is announced
        /// there, so a status report that came before it is applied (`Work.recorded`).
        var work: AsyncStream<Work>.Continuation?
    }
    let state = Mutex(State())
    let signalGauge: Gauge
    let registeredGauge: Gauge

    package init(
        name: String,
        channels: [ChannelName] = [.sms],
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.modem")
    ) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        self.group = group
        var logger = logger
        logger[metadataKey: "connector"] = "\(name)"
        self.logger = logger
        signalGauge = Gauge(label: "switchboard_modem_signal_rssi", dimensions: [("connector", name)])
        registeredGauge = Gauge(label: "switchboard_modem_registered", dimensions: [("connector", name)])
    }

    /// The `modem` engine; keys in `Configuration`.
    package static let engine = ConnectorEngine(name: "modem") { settings, reader, environment in
        guard let configuration = Configuration.read(reader, environment: environment) else { return nil }
        return ModemConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    /// Whether the modem is open and registered (home or roaming): whether it can send now.
    package var isRegistered: Bool { state.withLock { $0.link != nil && ($0.registration == 1 || $0.registration == 5) } }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        let (link, registration) = state.withLock { ($0.link, $0.registration) }
        guard let link else { throw ConnectorError.transient("modem \(name) (\(configuration.device)) is not open") }
        guard registration == 1 || registration == 5 else {
            throw ConnectorError.transient(
                "modem \(name) is not registered on a network (+CREG stat \(registration.map(String.init) ?? "not known yet"))"
            )
        }
        guard case .sms(let number) = outbound.address else {
            throw ConnectorError.permanent("modem \(name) sends SMS only, not to \(outbound.address)")
        }
        var options = SMSSubmit.Options()
        options.statusReport = configuration.statusReports
        options.validity = configuration.validity
        options.reference = state.withLock {
            $0.reference &+= 1
            return $0.reference
        }
        let pdus: [SMSSubmit.PDU]
        do {
            pdus = try SMSSubmit.encode(text: outbound.message.text, to: PDUAddress.number(number), options: options)
        } catch {
            throw ConnectorError.permanent("modem \(name) cannot send to \(number): \(error.message)")
        }
        var references: [UInt8] = []
        let sentAt = Date()
        for (i, pdu) in pdus.enumerated() {
            do {
                let lines = try await link.command(ModemCommand("AT+CMGS=\(pdu.tpduLength)", payload: pdu.hex, timeout: configuration.sendTimeout))
                if let mr = ModemResponses.messageReference(lines) {
                    references.append(mr)
                    if configuration.statusReports {
                        let part = SentPart(
                            connector: name,
                            reference: Int(mr),
                            recipient: number,
                            sentAt: sentAt,
                            deliveryID: outbound.delivery.id,
                            part: i,
                            parts: pdus.count
                        )
                        await recordSent(part)
                    }
                }
            } catch {
                let e = error as? ModemError ?? ModemError(.transient, "\(error)")
                let sentSoFar = i > 0 ? " (\(i) of \(pdus.count) parts had been sent)" : ""
                throw ConnectorError(e.kind == .permanent ? .permanent : .transient, "modem \(name): \(e.message)\(sentSoFar)")
            }
        }
        logger.debug("sent", metadata: ["delivery": "\(outbound.delivery.id)", "parts": "\(pdus.count)", "references": "\(references)"])
        return Receipt(id: references.isEmpty ? nil : references.map(String.init).joined(separator: ","))
    }

    package func run(sink: any InboundSink) async throws {
        logger.info("modem connector starting", metadata: ["configuration": "\(configuration)"])
        state.withLock {
            $0.sink = sink
            if let keeper = sink as? any SentReferenceSink { $0.references = keeper.sentReferences }
        }
        while !Task.isCancelled {
            do {
                let link = try await ModemLink.open(
                    device: configuration.device,
                    baud: configuration.baud,
                    settings: configuration.machine,
                    group: group
                )
                logger.info("modem ready", metadata: ["device": "\(configuration.device)"])
                state.withLock { $0.link = link }
                let reason = await serve(link, sink: sink)
                if !Task.isCancelled {
                    logger.error("modem closed; opening it again in \(configuration.reopenDelay)", metadata: ["reason": "\(reason)"])
                }
            } catch let error as ModemError where error.kind == .permanent {
                logger.critical("modem cannot start and will not be retried until the hub restarts", metadata: ["error": "\(error)"])
                unavailable()
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                return
            } catch {
                logger.error("modem could not be opened; trying again in \(configuration.reopenDelay)", metadata: ["error": "\(error)"])
            }
            unavailable()
            try? await Task.sleep(for: configuration.reopenDelay)
        }
    }

    private func unavailable() {
        let link = state.withLock {
            let link = $0.link
            $0.link = nil
            $0.registration = nil
            $0.signal = nil
            return link
        }
        link?.close()
        registeredGauge.record(0)
    }

    /// Runs one open link until it closes or the task is cancelled; returns why it ended.
    private func serve(_ link: ModemLink, sink: any InboundSink) async -> ModemError {
        await withTaskGroup(of: Void.self) { tasks in
            let (work, workSink) = AsyncStream.makeStream(of: Work.self, bufferingPolicy: .bufferingNewest(4096))
            state.withLock { $0.work = workSink }
            tasks.addTask {
                for await urc in link.urcs { workSink.yield(.urc(urc)) }
            }
            tasks.addTask {
                for await line in link.unexpected {
                    self.logger.warning("modem said something unexpected", metadata: ["line": "\(line.prefix(200))"])
                }
            }
            tasks.addTask {
                // Health first, so sending can start; then the SIM, then again every interval.
                while !Task.isCancelled {
                    await self.checkHealth(link)
                    workSink.yield(.scan)
                    try? await Task.sleep(for: self.configuration.healthInterval)
                }
            }
            tasks.addTask {
                let step = min(self.configuration.concatTimeout / 4, .seconds(30))
                while !Task.isCancelled {
                    try? await Task.sleep(for: step)
                    workSink.yield(.expire)
                }
            }
            tasks.addTask { await self.work(work, link: link, sink: sink) }
            let reason = await withTaskCancellationHandler {
                await link.waitClosed()
            } onCancel: {
                link.close()
            }
            state.withLock { $0.work = nil }
            workSink.finish()
            tasks.cancelAll()
            return reason
        }
    }

    private func checkHealth(_ link: ModemLink) async {
        do {
            let signal = ModemResponses.signal(try await link.command(ModemCommand("AT+CSQ", timeout: configuration.commandTimeout)))
            let registration = ModemResponses.registration(try await link.command(ModemCommand("AT+CREG?", timeout: configuration.commandTimeout)))
            noteHealth(signal: signal ?? nil, registration: registration)
        } catch {
            logger.warning("modem health check failed", metadata: ["error": "\(error)"])
        }
    }

    func noteHealth(signal: Int?, registration: Int?) {
        let before = state.withLock {
            let before = $0.registration
            $0.signal = signal
            if let registration { $0.registration = registration }
            return before
        }
        if let signal { signalGauge.record(signal) }
        let registered = registration == 1 || registration == 5
        registeredGauge.record(registered ? 1 : 0)
        if let registration, registration != before {
            let metadata: Logger.Metadata = ["stat": "\(registration)", "rssi": "\(signal.map(String.init) ?? "unknown")"]
            if registered {
                logger.info("modem registered on a network: in the route", metadata: metadata)
            } else {
                logger.warning("modem not registered on a network: out of the route until it is", metadata: metadata)
            }
        }
    }
}
