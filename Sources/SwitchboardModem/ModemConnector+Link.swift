import SwitchboardCore
import Synchronization

extension ModemConnector: ConnectorLinkReporting {
    /// Open and registered on a network (home or roaming), with the `+CREG` stat and signal.
    package var link: ConnectorLink {
        let (open, registration, signal) = state.withLock { ($0.link != nil, $0.registration, $0.signal) }
        let stat = registration.map { "+CREG stat \($0)" } ?? "registration not known yet"
        let rssi = signal.map { ", signal \($0)/31" } ?? ""
        guard open else { return ConnectorLink(up: false, detail: "\(configuration.device) not open") }
        return ConnectorLink(up: registration == 1 || registration == 5, detail: stat + rssi)
    }
}
