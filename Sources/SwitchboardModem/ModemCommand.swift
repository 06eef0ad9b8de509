/// One AT command to a modem, with what its answer needs: the time it may take and, for
/// `+CMGS`, the PDU to write after the `> ` prompt (followed by Ctrl-Z).
package struct ModemCommand: Sendable, Equatable {
    /// The command without its CR, e.g. `AT+CMGR=3`.
    package var text: String
    /// Written after the modem's `> ` prompt, then Ctrl-Z (0x1A).
    package var payload: String?
    package var timeout: Duration
    /// Never written to a log or an error (a PIN): errors name it as `label`.
    package var label: String

    package init(_ text: String, payload: String? = nil, timeout: Duration = .seconds(10), label: String? = nil) {
        self.text = text
        self.payload = payload
        self.timeout = timeout
        self.label = label ?? text
    }

    var bytes: [UInt8] { Array(text.utf8) + [0x0D] }
}

/// What a modem says without being asked (3GPP TS 27.005 §3.4.1, TS 27.007 §7.2).
package enum ModemURC: Sendable, Equatable {
    /// `+CMTI: "SM",3`: a new SMS is stored at that index.
    case messageStored(storage: String, index: Int)
    /// `+CDSI: "SM",5`: a status report is stored at that index.
    case statusReportStored(storage: String, index: Int)
    /// `+CDS: <length>` and the PDU on the next line: a status report handed up directly.
    case statusReport(length: Int, pdu: String)
    /// `+CMT: ,<length>` and the PDU on the next line: an SMS handed up directly, not stored.
    case message(length: Int, pdu: String)
    /// `+CREG: <stat>`: the registration changed (1 home, 5 roaming; anything else is not registered).
    case registration(Int)
    case ring
}
