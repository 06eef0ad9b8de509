/// One modem's AT conversation as a plain value: bytes in, actions out, no I/O. The
/// connector's channel handler feeds it what the serial line reads and carries out what it
/// returns; tests drive it byte by byte.
///
/// ```
/// start ─▶ ESC, settle ─▶ ATE0 ─▶ AT+CMEE=1 ─▶ AT+CPIN? ─READY──────────────────▶ AT+CMGF=0 ─▶ [AT+CSCA] ─▶ AT+CPMS ─▶ AT+CNMI ─▶ ready
///                                                 └─SIM PIN─▶ AT+CPIN=<pin> ─▶ AT+CPIN? ─READY─┘
/// ready: one command at a time from the queue; AT+CMGS=<n> ─"> "─▶ PDU + Ctrl-Z ─▶ +CMGS: <mr> OK
/// ```
///
/// Unsolicited result codes (`+CMTI`, `+CDSI`, `+CDS` + PDU, `+CMT` + PDU, `RING`, `+CREG`)
/// are recognised wherever they fall, even between the lines of another command's answer,
/// and never taken for part of it. Echoed commands (before `ATE0` takes hold) are skipped.
/// A final `ERROR`, `+CMS ERROR` or `+CME ERROR` fails the command, classified by
/// `ModemError`. A command that gets no answer in its time fails, with everything queued,
/// and the machine closes: a late answer could otherwise be taken for the next command's.
///
/// After `> ` a modem takes every byte for the PDU until Ctrl-Z (send) or ESC (abandon, 3GPP
/// TS 27.005 §3.5.1). A send given up while the prompt is awaited (a timeout, or the device
/// being closed) therefore writes ESC before anything else, so the next command (the next
/// opener's `ATE0`) is not taken for the PDU. Start-up begins with ESC too, for a modem left
/// waiting by a process that died mid-send, and ignores what the modem says for `settleTime`
/// after it (an answer to that ESC must not be taken for `ATE0`'s).
package struct ModemStateMachine {
    package struct Settings: Sendable, Equatable {
        /// The SIM's PIN, if it needs one (never logged).
        package var pin: String?
        /// Set the SMSC with `AT+CSCA` (international number), or keep the SIM's.
        package var smsc: String?
        /// Preferred message storage for `AT+CPMS` (read, write, receive).
        package var storage = "SM"
        /// `AT+CNMI` parameters: new SMS stored and indicated (`+CMTI`), status reports routed (`+CDS`).
        package var indications = "2,1,0,1,0"
        package var commandTimeout: Duration = .seconds(10)
        /// How long start-up waits after its ESC, discarding what the modem says, before `ATE0`.
        package var settleTime: Duration = .milliseconds(300)
        package init() {}
    }

    package enum Event: Sendable {
        case start
        case received([UInt8])
        /// Queue a command; its answer comes back as `.completed(id, …)`.
        case submit(ModemCommand, id: UInt64)
        case timeout
        /// The device is about to be closed from our side (the connector stops or gives up on it).
        case closing
        case closed
    }

    package enum Action: Sendable, Equatable {
        /// Write these bytes and (re)arm the one timer with `timeout`.
        case write([UInt8], timeout: Duration)
        /// The command in flight is done: no timer is needed.
        case cancelTimer
        /// Write ESC (0x1B) alone: the modem waits after `> ` for a PDU that will not come.
        case escape
        /// Start-up finished: the modem takes commands.
        case ready
        /// Start-up failed at a step; the answer is in the error. Close the device.
        case startupFailed(ModemError)
        /// A submitted command's answer: its information lines (final code removed) or its error.
        case completed(id: UInt64, Result<[String], ModemError>)
        case urc(ModemURC)
        /// A line that is no answer and no known unsolicited code (logged, then ignored).
        case unexpected(String)
        /// The modem stopped answering or went away: close the device (and open it again later).
        case close(ModemError)
    }

    enum Phase: Equatable {
        case idle
        /// ESC written at start; what the modem says until the timer fires is discarded.
        case settling
        case starting(StartStep)
        case ready
        case closed
    }

    struct InFlight {
        var command: ModemCommand
        /// nil for the machine's own start-up commands.
        var id: UInt64?
        var lines: [String] = []
        var awaitingPrompt: Bool
    }

    let settings: Settings
    var phase: Phase = .idle
    var current: InFlight?
    var queue: [(ModemCommand, UInt64)] = []
    private var buffer: [UInt8] = []
    /// A `+CDS:`/`+CMT:` header was read; its PDU is the next line.
    private var pendingPDU: (isReport: Bool, length: Int)?

    package init(settings: Settings) { self.settings = settings }

    package var isReady: Bool { phase == .ready }

    package mutating func event(_ event: Event) -> [Action] {
        switch event {
        case .start:
            guard phase == .idle else { return [] }
            phase = .settling
            return [.write([0x1B], timeout: settings.settleTime)]
        case .received(let bytes):
            guard phase != .closed, phase != .settling else { return [] }
            buffer += bytes
            return drain()
        case .submit(let command, let id):
            switch phase {
            case .closed:
                return [.completed(id: id, .failure(ModemError(.transient, "the modem is closed; \(command.label) was not sent")))]
            default:
                queue.append((command, id))
                return current == nil && phase == .ready ? next() : []
            }
        case .timeout:
            if phase == .settling { return begin(.echoOff) }
            guard let inFlight = current, phase != .closed else { return [] }
            let error = ModemError(.transient, "the modem did not answer \(inFlight.command.label) within \(inFlight.command.timeout)")
            return abandonPrompt() + shutDown(error)
        case .closing:
            guard phase != .closed else { return [] }
            let step = current.map { " while waiting for the answer to \($0.command.label)" } ?? ""
            return abandonPrompt() + shutDown(ModemError(.transient, "the modem was closed\(step)"))
        case .closed:
            guard phase != .closed else { return [] }
            let step = current.map { " while waiting for the answer to \($0.command.label)" } ?? ""
            return shutDown(ModemError(.transient, "the modem went away\(step)"))
        }
    }

    // MARK: - Lines

    private mutating func drain() -> [Action] {
        var actions: [Action] = []
        while phase != .closed {
            if current?.awaitingPrompt == true, let prompt = promptEnd() {
                buffer.removeFirst(prompt)
                actions += promptReceived()
                continue
            }
            guard let end = buffer.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) else { break }
            // Spaces around a line mean nothing (the one after a `>` prompt that came alone, too).
            let line = String(Substring(String(decoding: buffer[..<end], as: UTF8.self)).trimmingSpaces)
            buffer.removeFirst(end + 1)
            if !line.isEmpty { actions += received(line: line) }
        }
        return actions
    }

    /// Bytes up to and including the `> ` prompt, when the buffer (after line ends) starts with it.
    private func promptEnd() -> Int? {
        guard let start = buffer.firstIndex(where: { $0 != 0x0D && $0 != 0x0A }), buffer[start] == UInt8(ascii: ">") else { return nil }
        return start + 1 < buffer.count && buffer[start + 1] == UInt8(ascii: " ") ? start + 2 : start + 1
    }

    private mutating func received(line: String) -> [Action] {
        if let pending = pendingPDU {
            pendingPDU = nil
            return [.urc(pending.isReport ? .statusReport(length: pending.length, pdu: line) : .message(length: pending.length, pdu: line))]
        }
        if let urc = unsolicited(line) { return urc }
        guard var inFlight = current else { return [.unexpected(line)] }
        if line.hasPrefix("AT") || line.hasPrefix("at") { return [] }  // echo, before ATE0 takes hold
        if line == "OK" { return finish(.success(inFlight.lines)) }
        if let error = ModemError.from(finalLine: line, command: inFlight.command.label) { return finish(.failure(error)) }
        if ["NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"].contains(line) {
            return finish(.failure(ModemError(.transient, "\(inFlight.command.label) answered \(line)")))
        }
        current = nil
        inFlight.lines.append(line)
        current = inFlight
        return []
    }

    /// The unsolicited codes, or nil when `line` belongs to the command in flight.
    private mutating func unsolicited(_ line: String) -> [Action]? {
        if line == "RING" { return [.urc(.ring)] }
        let (name, fields) = Self.split(line)
        switch name {
        case "+CMTI", "+CDSI":
            guard fields.count == 2, let index = Int(fields[1]) else { return [.unexpected(line)] }
            let storage = Self.unquote(fields[0])
            return [.urc(name == "+CMTI" ? .messageStored(storage: storage, index: index) : .statusReportStored(storage: storage, index: index))]
        case "+CDS", "+CMT":
            // +CDS: <length>   +CMT: [<alpha>],<length>
            guard let length = fields.last.flatMap({ Int($0) }) else { return [.unexpected(line)] }
            pendingPDU = (name == "+CDS", length)
            return []
        case "+CREG":
            // The answer to AT+CREG? is +CREG: <n>,<stat>[,…] (2 or 4 fields); the code is +CREG: <stat>[,<lac>,<ci>].
            if current?.command.text == "AT+CREG?" && (fields.count == 2 || fields.count == 4) { return nil }
            guard let stat = fields.first.flatMap({ Int($0) }) else { return [.unexpected(line)] }
            return [.urc(.registration(stat))]
        default:
            return nil
        }
    }

    // MARK: - Commands

    /// ESC when the command in flight still waits for its `> ` prompt: the modem may be
    /// showing it already, and would take what we write next for the PDU.
    private func abandonPrompt() -> [Action] {
        current?.awaitingPrompt == true ? [.escape] : []
    }

    private mutating func promptReceived() -> [Action] {
        guard var inFlight = current else { return [] }
        inFlight.awaitingPrompt = false
        current = inFlight
        let payload = Array((inFlight.command.payload ?? "").utf8) + [0x1A]
        return [.write(payload, timeout: inFlight.command.timeout)]
    }

    private mutating func finish(_ result: Result<[String], ModemError>) -> [Action] {
        guard let inFlight = current else { return [] }
        current = nil
        guard let id = inFlight.id else { return startupStep(result) }
        return [.cancelTimer, .completed(id: id, result)] + next()
    }

    mutating func send(_ command: ModemCommand, id: UInt64?) -> [Action] {
        current = InFlight(command: command, id: id, awaitingPrompt: command.payload != nil)
        return [.write(command.bytes, timeout: command.timeout)]
    }

    private mutating func next() -> [Action] {
        guard phase == .ready, current == nil, !queue.isEmpty else { return [] }
        let (command, id) = queue.removeFirst()
        return send(command, id: id)
    }

    mutating func shutDown(_ error: ModemError) -> [Action] {
        var actions: [Action] = [.cancelTimer]
        if case .starting = phase {
            actions.append(.startupFailed(error))
        } else if phase == .settling {
            actions.append(.startupFailed(error))
        } else if let id = current?.id {
            actions.append(.completed(id: id, .failure(error)))
        }
        for (command, id) in queue {
            actions.append(.completed(id: id, .failure(ModemError(.transient, "\(command.label) not sent: \(error.message)"))))
        }
        current = nil
        queue = []
        phase = .closed
        return actions + [.close(error)]
    }

    // MARK: - Parsing

    /// `+CMGS: 12` → ("+CMGS", ["12"]); fields split on commas outside quotes, spaces trimmed.
    static func split(_ line: String) -> (String, [String]) {
        guard line.hasPrefix("+"), let colon = line.firstIndex(of: ":") else { return (line, []) }
        var fields: [String] = []
        var field = ""
        var quoted = false
        for c in line[line.index(after: colon)...] {
            if c == "\"" { quoted.toggle() }
            if c == "," && !quoted {
                fields.append(String(Substring(field).trimmingSpaces))
                field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(String(Substring(field).trimmingSpaces))
        return (String(line[..<colon]), fields)
    }

    static func unquote(_ field: String) -> String {
        field.hasPrefix("\"") && field.hasSuffix("\"") && field.count >= 2 ? String(field.dropFirst().dropLast()) : field
    }
}
