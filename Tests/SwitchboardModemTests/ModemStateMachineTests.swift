import Testing

@testable import SwitchboardModem

/// The AT conversation fed byte by byte, as a serial line may hand it over.
@Suite struct ModemStateMachineTests {
    typealias Action = ModemStateMachine.Action

    static func settings(pin: String? = nil, smsc: String? = nil) -> ModemStateMachine.Settings {
        var s = ModemStateMachine.Settings()
        s.pin = pin
        s.smsc = smsc
        return s
    }

    /// Feeds `text` one byte at a time and returns every action, in order.
    static func feed(_ machine: inout ModemStateMachine, _ text: String) -> [Action] {
        text.utf8.flatMap { machine.event(.received([$0])) }
    }

    static func write(_ text: String, timeout: Duration = .seconds(10)) -> Action {
        .write(Array(text.utf8), timeout: timeout)
    }

    /// Starts `machine`: its ESC, then the settle timer's end, which writes `ATE0`.
    static func start(_ machine: inout ModemStateMachine) {
        #expect(machine.event(.start) == [.write([0x1B], timeout: .milliseconds(300))])
        #expect(machine.event(.timeout) == [write("ATE0\r")])
    }

    /// A machine through start-up, ready for commands.
    static func ready() -> ModemStateMachine {
        var m = ModemStateMachine(settings: settings())
        Self.start(&m)
        for answer in ["OK", "OK", "+CPIN: READY\r\n\r\nOK", "OK", "+CPMS: 0,30,0,30,0,30\r\n\r\nOK", "OK"] {
            _ = feed(&m, "\r\n\(answer)\r\n")
        }
        #expect(m.isReady)
        return m
    }

    @Test func startUpRunsEachStepAfterTheLastOneSaidOK() {
        var m = ModemStateMachine(settings: Self.settings(smsc: "+4790002100"))
        #expect(m.event(.start) == [.write([0x1B], timeout: .milliseconds(300))])
        // What the modem says while it settles (an answer to the ESC) is nobody's answer.
        #expect(Self.feed(&m, "\r\nOK\r\n") == [])
        #expect(m.event(.timeout) == [Self.write("ATE0\r")])
        // Echo is still on for ATE0 itself.
        #expect(Self.feed(&m, "ATE0\r\r\nOK\r\n") == [Self.write("AT+CMEE=1\r")])
        #expect(Self.feed(&m, "\r\nOK\r\n") == [Self.write("AT+CPIN?\r")])
        #expect(Self.feed(&m, "\r\n+CPIN: READY\r\n\r\nOK\r\n") == [Self.write("AT+CMGF=0\r")])
        #expect(Self.feed(&m, "\r\nOK\r\n") == [Self.write("AT+CSCA=\"+4790002100\",145\r")])
        #expect(Self.feed(&m, "\r\nOK\r\n") == [Self.write("AT+CPMS=\"SM\",\"SM\",\"SM\"\r")])
        #expect(Self.feed(&m, "\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n") == [Self.write("AT+CNMI=2,1,0,1,0\r")])
        #expect(!m.isReady)
        #expect(Self.feed(&m, "\r\nOK\r\n") == [.cancelTimer, .ready])
        #expect(m.isReady)
    }

    @Test func thePINIsEnteredWhenTheSIMAsksAndNeverAppearsInErrors() {
        var m = ModemStateMachine(settings: Self.settings(pin: "4321"))
        Self.start(&m)
        _ = Self.feed(&m, "\r\nOK\r\n\r\nOK\r\n")
        #expect(Self.feed(&m, "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n") == [Self.write("AT+CPIN=\"4321\"\r")])
        #expect(Self.feed(&m, "\r\nOK\r\n") == [Self.write("AT+CPIN?\r")])
        #expect(Self.feed(&m, "\r\n+CPIN: READY\r\n\r\nOK\r\n") == [Self.write("AT+CMGF=0\r")])

        var wrong = ModemStateMachine(settings: Self.settings(pin: "4321"))
        Self.start(&wrong)
        _ = Self.feed(&wrong, "\r\nOK\r\n\r\nOK\r\n\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")
        let actions = Self.feed(&wrong, "\r\n+CME ERROR: 16\r\n")
        guard case .startupFailed(let error) = actions.first(where: { if case .startupFailed = $0 { true } else { false } }) else {
            Issue.record("no start-up failure in \(actions)")
            return
        }
        #expect(error.kind == .permanent)  // an incorrect PIN is not retried: the SIM would lock
        #expect(error.message.contains("AT+CPIN=<PIN>") && error.message.contains("+CME ERROR: 16"))
        #expect(!error.message.contains("4321"))
        #expect(actions.last == .close(error))
    }

    @Test func aSIMThatWantsAPINWithoutOneConfiguredFailsStartUp() {
        var m = ModemStateMachine(settings: Self.settings())
        Self.start(&m)
        _ = Self.feed(&m, "\r\nOK\r\n\r\nOK\r\n")
        let actions = Self.feed(&m, "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")
        #expect(actions.contains { if case .startupFailed(let e) = $0 { e.kind == .permanent && e.message.contains("pin_env") } else { false } })
    }

    @Test func aFailedStepIsReportedWithTheModemsAnswer() {
        var m = ModemStateMachine(settings: Self.settings())
        Self.start(&m)
        _ = Self.feed(&m, "\r\nOK\r\n\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n")
        let actions = Self.feed(&m, "\r\n+CMS ERROR: 303\r\n")
        let expected = ModemError(.transient, "start-up failed choosing PDU mode (AT+CMGF=0): AT+CMGF=0 answered +CMS ERROR: 303", code: 303)
        #expect(actions == [.cancelTimer, .startupFailed(expected), .close(expected)])
    }

    @Test func sendingWritesThePDUAfterThePromptThenCtrlZ() {
        var m = Self.ready()
        let cmgs = ModemCommand("AT+CMGS=19", payload: "0021000A9174214365870000", timeout: .seconds(60))
        #expect(m.event(.submit(cmgs, id: 7)) == [Self.write("AT+CMGS=19\r", timeout: .seconds(60))])
        #expect(Self.feed(&m, "\r\n> ") == [.write(Array("0021000A9174214365870000".utf8) + [0x1A], timeout: .seconds(60))])
        #expect(Self.feed(&m, "\r\n+CMGS: 12\r\n\r\nOK\r\n") == [.cancelTimer, .completed(id: 7, .success(["+CMGS: 12"]))])
    }

    /// After `> ` a modem takes every byte for the PDU until Ctrl-Z or ESC: a send abandoned
    /// while the prompt is awaited must leave the modem an ESC, before anything else is written
    /// (the next opener's `ATE0` would otherwise be taken for the PDU).
    @Test func aSendThatTimesOutWaitingForThePromptLeavesTheModemAnESCAndNothingElse() {
        var m = Self.ready()
        let cmgs = ModemCommand("AT+CMGS=19", payload: "0021000A9174214365870000", timeout: .seconds(60))
        _ = m.event(.submit(cmgs, id: 1))
        _ = m.event(.submit(ModemCommand("AT+CSQ"), id: 2))
        #expect(Self.feed(&m, "\r\n") == [])
        let actions = m.event(.timeout)
        let error = ModemError(.transient, "the modem did not answer AT+CMGS=19 within 60.0 seconds")
        #expect(actions.first == .escape)
        #expect(!actions.contains { if case .write = $0 { true } else { false } })
        #expect(actions.contains(.completed(id: 1, .failure(error))))
        #expect(actions.contains { if case .completed(2, .failure) = $0 { true } else { false } })
        #expect(actions.last == .close(error))
        // A prompt that comes after the ESC gets nothing.
        #expect(Self.feed(&m, "\r\n> ") == [])
    }

    @Test func aSendThatTimesOutAfterThePDUWasWrittenWritesNoESC() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CMGS=19", payload: "00", timeout: .seconds(60)), id: 1))
        _ = Self.feed(&m, "\r\n> ")
        let actions = m.event(.timeout)
        #expect(!actions.contains(.escape))
        #expect(actions.first == .cancelTimer)
    }

    @Test func closingWhileThePromptIsAwaitedWritesESCFirst() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CMGS=19", payload: "00"), id: 1))
        let actions = m.event(.closing)
        #expect(actions.first == .escape)
        #expect(actions.contains { if case .completed(1, .failure(let e)) = $0 { e.message.contains("closed") } else { false } })
        var idle = Self.ready()
        #expect(!idle.event(.closing).contains(.escape))
    }

    @Test func anErrorInsteadOfThePromptFailsTheSend() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CMGS=19", payload: "00"), id: 1))
        let actions = Self.feed(&m, "\r\n+CMS ERROR: 304\r\n")
        #expect(actions == [.cancelTimer, .completed(id: 1, .failure(ModemError(.permanent, "AT+CMGS=19 answered +CMS ERROR: 304", code: 304)))])
    }

    @Test func oneCommandAtATime() {
        var m = Self.ready()
        #expect(m.event(.submit(ModemCommand("AT+CSQ"), id: 1)) == [Self.write("AT+CSQ\r")])
        #expect(m.event(.submit(ModemCommand("AT+CREG?"), id: 2)) == [])
        #expect(
            Self.feed(&m, "\r\n+CSQ: 17,99\r\n\r\nOK\r\n") == [.cancelTimer, .completed(id: 1, .success(["+CSQ: 17,99"])), Self.write("AT+CREG?\r")]
        )
        #expect(Self.feed(&m, "\r\n+CREG: 0,1\r\n\r\nOK\r\n") == [.cancelTimer, .completed(id: 2, .success(["+CREG: 0,1"]))])
    }

    @Test func unsolicitedCodesInTheMiddleOfAnAnswerAreNotPartOfIt() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CMGL=4"), id: 3))
        let answer =
            "\r\n+CMGL: 1,0,,24\r\n0011AA\r\n+CMTI: \"SM\",4\r\n+CMGL: 2,1,,25\r\n"
            + "+CDS: 25\r\n07914740\r\n0022BB\r\nRING\r\n+CREG: 5\r\n+CDSI: \"SM\",9\r\n\r\nOK\r\n"
        #expect(
            Self.feed(&m, answer) == [
                .urc(.messageStored(storage: "SM", index: 4)),
                .urc(.statusReport(length: 25, pdu: "07914740")),
                .urc(.ring), .urc(.registration(5)), .urc(.statusReportStored(storage: "SM", index: 9)),
                .cancelTimer, .completed(id: 3, .success(["+CMGL: 1,0,,24", "0011AA", "+CMGL: 2,1,,25", "0022BB"])),
            ]
        )
    }

    @Test func unsolicitedCodesWhileIdleAndGarbage() {
        var m = Self.ready()
        #expect(Self.feed(&m, "\r\n+CMT: ,24\r\n0791AB\r\n") == [.urc(.message(length: 24, pdu: "0791AB"))])
        #expect(Self.feed(&m, "\r\n+CREG: 2,\"00C3\",\"1234\"\r\n") == [.urc(.registration(2))])
        #expect(Self.feed(&m, "\u{7}xx\u{1}garbage\r\n") == [.unexpected("\u{7}xx\u{1}garbage")])
        #expect(Self.feed(&m, "+CMTI: nonsense\r\n") == [.unexpected("+CMTI: nonsense")])
    }

    @Test func errorsAreClassified() {
        let cases: [(String, ModemError.Kind)] = [
            ("ERROR", .transient), ("+CMS ERROR: 42", .transient), ("+CMS ERROR: 331", .transient),
            ("+CMS ERROR: 1", .permanent), ("+CMS ERROR: 21", .permanent), ("+CMS ERROR: 500", .transient),
            ("+CME ERROR: 30", .transient), ("+CME ERROR: 16", .permanent), ("+CME ERROR: SIM busy", .transient),
        ]
        for (line, kind) in cases {
            var m = Self.ready()
            _ = m.event(.submit(ModemCommand("AT+CMGS=10", payload: "00"), id: 1))
            _ = Self.feed(&m, "\r\n> ")
            let actions = Self.feed(&m, "\r\n\(line)\r\n")
            guard case .completed(_, .failure(let error)) = actions.last else {
                Issue.record("\(line): \(actions)")
                continue
            }
            #expect(error.kind == kind, "\(line)")
            #expect(error.message == "AT+CMGS=10 answered \(line)")
        }
    }

    @Test func aCommandWithoutAnswerTimesOutAndTheMachineClosesFailingWhatWasQueued() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CSQ"), id: 1))
        _ = m.event(.submit(ModemCommand("AT+CREG?"), id: 2))
        let actions = m.event(.timeout)
        let error = ModemError(.transient, "the modem did not answer AT+CSQ within 10.0 seconds")
        #expect(actions.first == .cancelTimer)
        #expect(actions.contains(.completed(id: 1, .failure(error))))
        #expect(actions.contains { if case .completed(2, .failure(let e)) = $0 { e.kind == .transient } else { false } })
        #expect(actions.last == .close(error))
        // Late answers and new commands after closing change nothing and are failed at once.
        #expect(Self.feed(&m, "\r\nOK\r\n") == [])
        #expect(m.event(.submit(ModemCommand("AT"), id: 3)).count == 1)
    }

    @Test func aModemThatGoesAwayMidCommandFailsIt() {
        var m = Self.ready()
        _ = m.event(.submit(ModemCommand("AT+CMGR=1"), id: 5))
        _ = Self.feed(&m, "\r\n+CMGR: 0,,24\r\n")
        let actions = m.event(.closed)
        #expect(actions.contains { if case .completed(5, .failure(let e)) = $0 { e.message.contains("went away") } else { false } })
        #expect(actions.last.map { if case .close = $0 { true } else { false } } == true)
    }

    @Test func commandsSubmittedDuringStartUpWaitForIt() {
        var m = ModemStateMachine(settings: Self.settings())
        Self.start(&m)
        #expect(m.event(.submit(ModemCommand("AT+CMGL=4"), id: 1)) == [])
        for answer in ["OK", "OK", "+CPIN: READY\r\n\r\nOK", "OK", "OK"] { _ = Self.feed(&m, "\r\n\(answer)\r\n") }
        #expect(Self.feed(&m, "\r\nOK\r\n") == [.cancelTimer, .ready, Self.write("AT+CMGL=4\r")])
    }
}
