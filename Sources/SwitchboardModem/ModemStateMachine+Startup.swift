extension ModemStateMachine {
    /// The start-up sequence, one step per command; each step's failure is reported with the
    /// modem's answer.
    enum StartStep: Equatable, CustomStringConvertible {
        case echoOff, errors, pinQuery, pinEnter, pinRecheck, pduMode, smsc, storage, indications

        var description: String {
            switch self {
            case .echoOff: "turning echo off (ATE0)"
            case .errors: "asking for numbered errors (AT+CMEE=1)"
            case .pinQuery, .pinRecheck: "asking for the SIM's state (AT+CPIN?)"
            case .pinEnter: "entering the PIN (AT+CPIN=…)"
            case .pduMode: "choosing PDU mode (AT+CMGF=0)"
            case .smsc: "setting the SMSC (AT+CSCA)"
            case .storage: "choosing the message storage (AT+CPMS)"
            case .indications: "asking for new-message indications (AT+CNMI)"
            }
        }
    }

    func command(_ step: StartStep) -> ModemCommand {
        let t = settings.commandTimeout
        switch step {
        case .echoOff: return ModemCommand("ATE0", timeout: t)
        case .errors: return ModemCommand("AT+CMEE=1", timeout: t)
        case .pinQuery, .pinRecheck: return ModemCommand("AT+CPIN?", timeout: t)
        case .pinEnter: return ModemCommand("AT+CPIN=\"\(settings.pin ?? "")\"", timeout: t, label: "AT+CPIN=<PIN>")
        case .pduMode: return ModemCommand("AT+CMGF=0", timeout: t)
        case .smsc: return ModemCommand("AT+CSCA=\"\(settings.smsc ?? "")\",145", timeout: t)
        case .storage:
            let s = settings.storage
            return ModemCommand("AT+CPMS=\"\(s)\",\"\(s)\",\"\(s)\"", timeout: t)
        case .indications: return ModemCommand("AT+CNMI=\(settings.indications)", timeout: t)
        }
    }

    mutating func begin(_ step: StartStep) -> [Action] {
        phase = .starting(step)
        return send(command(step), id: nil)
    }

    /// The answer to a start-up command: go to the next step, or fail with the answer.
    mutating func startupStep(_ result: Result<[String], ModemError>) -> [Action] {
        guard case .starting(let step) = phase else { return [] }
        let lines: [String]
        switch result {
        case .failure(var error):
            error.message = "start-up failed \(step): \(error.message)"
            return shutDown(error)
        case .success(let l): lines = l
        }
        switch step {
        case .echoOff: return begin(.errors)
        case .errors: return begin(.pinQuery)
        case .pinQuery, .pinRecheck:
            let state = lines.first { $0.hasPrefix("+CPIN:") }.map { String(Substring($0.dropFirst(6)).trimmingSpaces) } ?? ""
            if state == "READY" { return begin(.pduMode) }
            if state == "SIM PIN" && step == .pinQuery {
                guard settings.pin != nil else {
                    return shutDown(ModemError(.permanent, "start-up failed: the SIM asks for its PIN and no pin_env is configured"))
                }
                return begin(.pinEnter)
            }
            // A SIM still asking after the PIN, or asking for a PUK: a person must look at it;
            // trying the PIN again could lock the SIM.
            return shutDown(
                ModemError(.permanent, "start-up failed \(step): the SIM answered '\(state.isEmpty ? lines.joined(separator: " ") : state)'")
            )
        case .pinEnter: return begin(.pinRecheck)
        case .pduMode: return settings.smsc == nil ? begin(.storage) : begin(.smsc)
        case .smsc: return begin(.storage)
        case .storage: return begin(.indications)
        case .indications:
            phase = .ready
            var actions: [Action] = [.cancelTimer, .ready]
            if !queue.isEmpty {
                let (command, id) = queue.removeFirst()
                actions += send(command, id: id)
            }
            return actions
        }
    }
}
