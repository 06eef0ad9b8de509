import Foundation
import Logging
import SwitchboardCore

extension ModemConnector {
    /// What the one receiving task does next, in order.
    enum Work: Sendable {
        case urc(ModemURC)
        /// Read everything stored (`AT+CMGL=4`): at start, and every health interval.
        case scan
        /// Hand on long messages whose missing parts did not come in time.
        case expire
        /// A sent part's reference is in the store now: apply a report that came before it.
        case recorded(reference: Int, recipientKey: String)
    }

    /// Handles the modem's indications one at a time, so a message is read, committed and
    /// deleted before the next one is looked at.
    func work(_ work: AsyncStream<Work>, link: ModemLink, sink: any InboundSink) async {
        var parts = ConcatenationBuffer(timeout: configuration.concatTimeout)
        /// Indexes already reported as unreadable, so a rescan does not log them again.
        var unreadable: Set<Int> = []
        var reports = EarlyReports()
        var nextPurge = Date()
        for await item in work {
            switch item {
            case .urc(.messageStored(_, let index)), .urc(.statusReportStored(_, let index)):
                do {
                    let lines = try await link.command(ModemCommand("AT+CMGR=\(index)", timeout: configuration.commandTimeout))
                    guard let stored = ModemResponses.read(lines, index: index) else { continue }  // already read and deleted
                    await handle(stored, link: link, sink: sink, parts: &parts, unreadable: &unreadable, reports: &reports)
                } catch {
                    logger.warning("could not read a stored message; it stays on the modem", metadata: ["index": "\(index)", "error": "\(error)"])
                }
            case .urc(.statusReport(let length, let pdu)), .urc(.message(let length, let pdu)):
                let stored = ModemResponses.StoredPDU(index: -1, status: 0, length: length, pdu: pdu)
                await handle(stored, link: link, sink: sink, parts: &parts, unreadable: &unreadable, reports: &reports)
            case .urc(.registration(let stat)):
                noteHealth(signal: state.withLock { $0.signal }, registration: stat)
            case .urc(.ring):
                logger.debug("RING (calls are not answered)")
            case .scan:
                do {
                    let lines = try await link.command(ModemCommand("AT+CMGL=4", timeout: configuration.commandTimeout))
                    let (messages, odd) = ModemResponses.list(lines)
                    for line in odd { logger.warning("unreadable line in the list of stored messages", metadata: ["line": "\(line.prefix(200))"]) }
                    for stored in messages {
                        await handle(stored, link: link, sink: sink, parts: &parts, unreadable: &unreadable, reports: &reports)
                    }
                } catch {
                    logger.warning("could not list the stored messages", metadata: ["error": "\(error)"])
                }
                if Date() >= nextPurge {
                    await purgeSentReferences()
                    nextPurge = Date().addingTimeInterval(3600)
                }
            case .expire:
                for complete in parts.expired(at: Date()) {
                    logger.warning(
                        "parts of a long SMS never came; handing on what did",
                        metadata: ["from": "\(complete.sender)", "missing": "\(complete.missing)"]
                    )
                    await commit(complete.sender, complete.text, at: complete.receivedAt, indexes: complete.indexes, link: link, sink: sink)
                }
            case .recorded(let reference, let key):
                for report in reports.take(reference: reference, recipientKey: key, now: Date()) {
                    _ = await reported(report)
                }
            }
        }
    }

    /// One PDU from the modem: an SMS (whole, or a part kept until the rest comes) or a status report.
    private func handle(
        _ stored: ModemResponses.StoredPDU,
        link: ModemLink,
        sink: any InboundSink,
        parts: inout ConcatenationBuffer,
        unreadable: inout Set<Int>,
        reports: inout EarlyReports
    ) async {
        let index = stored.index >= 0 ? stored.index : nil
        let pdu: SMSPDU
        do {
            pdu = try SMSPDU.decode(hex: stored.pdu, tpduLength: stored.length)
        } catch {
            if let index, !unreadable.insert(index).inserted { return }
            logger.error(
                "unreadable PDU from the modem; it is kept on the modem for a person to look at",
                metadata: ["index": "\(index.map(String.init) ?? "not stored")", "error": "\(error)", "pdu": "\(stored.pdu.prefix(400))"]
            )
            return
        }
        switch pdu {
        case .deliver(let sms):
            let sender = sms.sender.display
            if let c = sms.header.concatenation, c.total > 1 {
                guard let complete = parts.add(sender: sender, concatenation: c, text: sms.text, index: index, at: sms.timestamp) else { return }
                await commit(sender, complete.text, at: complete.receivedAt, indexes: complete.indexes, link: link, sink: sink)
            } else {
                await commit(sender, sms.text, at: sms.timestamp, indexes: index.map { [$0] } ?? [], link: link, sink: sink)
            }
        case .statusReport(let report):
            switch await reported(report) {
            case .applied: break
            case .unmatched: reports.keep(report, now: Date())
            case .retry:
                // Read again at the next scan while it waits on the SIM; a +CDS cannot be.
                if let index {
                    logger.warning("status report kept on the modem to be tried again", metadata: ["index": "\(index)"])
                    return
                }
            }
            if let index { await delete([index], link: link) }
        }
    }

    /// Commits a received message, then deletes it from the modem — only once the sink has it.
    private func commit(_ sender: String, _ text: String, at time: Date, indexes: [Int], link: ModemLink, sink: any InboundSink) async {
        do {
            let result = try await sink.receive(InboundMessage(connector: name, from: .sms(sender), text: text, receivedAt: time))
            logger.info("SMS received", metadata: ["from": "\(sender)", "message": "\(result.messageID)", "indexes": "\(indexes)"])
        } catch {
            logger.error(
                "could not commit a received SMS; it stays on the modem and is read again",
                metadata: ["from": "\(sender)", "error": "\(error)"]
            )
            return
        }
        await delete(indexes, link: link)
    }

    private func delete(_ indexes: [Int], link: ModemLink) async {
        for index in indexes {
            do {
                _ = try await link.command(ModemCommand("AT+CMGD=\(index)", timeout: configuration.commandTimeout))
            } catch {
                logger.warning("could not delete a message from the modem", metadata: ["index": "\(index)", "error": "\(error)"])
            }
        }
    }
}
