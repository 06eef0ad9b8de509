import Foundation
import Logging
import SwitchboardCore

// Status reports: each part's `+CMGS` reference is kept in the hub's store
// (`SentReferenceStore`) before the send returns, so a report that comes in after a restart
// still finds its delivery.
extension ModemConnector {
    /// Keeps a sent part's reference, then tells the receiving task, which applies a report
    /// that came before it. A store that cannot take it costs only the report (logged): the
    /// SMS has gone out, so the send must not fail for it.
    func recordSent(_ part: SentPart) async {
        let (store, work) = state.withLock { ($0.references, $0.work) }
        do {
            try await store.recordSent(part)
        } catch {
            logger.error(
                "could not keep a sent SMS's reference; its status report will not be matched",
                metadata: ["delivery": "\(part.deliveryID)", "reference": "\(part.reference)", "error": "\(error)"]
            )
            return
        }
        work?.yield(.recorded(reference: part.reference, recipientKey: SentPart.recipientKey(part.recipient)))
    }

    /// What became of a status report, which decides whether a stored one leaves the SIM.
    enum ReportHandling: Equatable {
        /// The hub has it (or it can never apply: another connector's delivery, a move the
        /// delivery cannot make): delete it.
        case applied
        /// No part sent within `status_report_window` matches (yet).
        case unmatched
        /// The hub could not take it now (its store failed, the delivery was still being
        /// sent): a stored report stays on the SIM and is read again at the next scan.
        case retry
    }

    /// Matches a status report to the part it is about and tells the hub what it means for
    /// the delivery.
    func reported(_ report: SMSStatusReport) async -> ReportHandling {
        let outcome: SentPart.Outcome =
            switch report.outcome {
            case .delivered: .delivered
            case .failed: .failed
            case .pending: .pending
            }
        let detail = "TP-ST 0x\(PDUHex.encode([report.status])) for reference \(report.reference) to \(report.recipient.display)"
        let (store, sink) = state.withLock { ($0.references, $0.sink) }
        let match: SentPartMatch?
        do {
            match = try await store.matchSent(
                connector: name,
                reference: Int(report.reference),
                recipient: report.recipient.display,
                outcome: outcome,
                since: reportWindowStart
            )
        } catch {
            logger.warning("status report not matched: the store failed", metadata: ["detail": "\(detail)", "error": "\(error)"])
            return .retry
        }
        guard let match else {
            logger.info("status report for nothing this modem sent within the window (yet)", metadata: ["detail": "\(detail)"])
            return .unmatched
        }
        let verdict: DeliveryReportOutcome =
            switch match.verdict {
            case .delivered: .delivered
            case .failed: .failed
            case .progress: .progress
            }
        let part = match.parts > 1 ? " (part \(match.part + 1) of \(match.parts))" : ""
        guard let sink else { return .retry }
        do {
            try await sink.deliveryReported(connector: name, deliveryID: match.deliveryID, outcome: verdict, detail: detail + part)
            return .applied
        } catch let error as SwitchboardError where [.notFound, .conflict, .invalid].contains(error.kind) {
            logger.warning("status report does not apply", metadata: ["delivery": "\(match.deliveryID)", "error": "\(error)"])
            return .applied
        } catch {
            logger.warning("status report not recorded now", metadata: ["delivery": "\(match.deliveryID)", "error": "\(error)"])
            return .retry
        }
    }

    /// The oldest send a status report may still be about (`status_report_window` ago).
    var reportWindowStart: Date {
        let w = configuration.statusReportWindow.components
        return Date().addingTimeInterval(-(Double(w.seconds) + Double(w.attoseconds) / 1e18))
    }

    /// Forgets references older than the window: no report is matched to them any more.
    func purgeSentReferences() async {
        let store = state.withLock { $0.references }
        do {
            let purged = try await store.purgeSent(connector: name, before: reportWindowStart)
            if purged > 0 { logger.debug("forgot old sent references", metadata: ["count": "\(purged)"]) }
        } catch {
            logger.warning("could not purge old sent references", metadata: ["error": "\(error)"])
        }
    }
}
