"""A GSM modem stand-in on a pseudo-terminal: speaks AT commands and PDU mode like a real
modem (3GPP TS 27.005/27.007), for the `modem` engine's end-to-end tests and benchmark.

The hub opens `sim.device` (a symlink to the pty's slave side, so an "unplugged" modem can
come back at the same path). The simulator answers with delays, keeps SIM storage, takes
SMS-SUBMIT PDUs (decoded by smspdudecoder, an independent decoder), hands up status reports,
and can be made to misbehave: unsolicited codes in the middle of answers, errors, silence,
unregistered, unplugged.

MO PDUs (SMS-DELIVER) are built from python-gsmmodem-new's field encoders; neither library
has an SMS-DELIVER encoder of its own.
"""
import os
import select
import threading
import time
import tty
from datetime import datetime, timedelta, timezone
from io import StringIO

from gsmmodem import pdu as gp
from smspdudecoder.fields import SMSSubmit


def deliver_pdus(sender, text, when=None, reference=0, smsc="+4790002100"):
    """SMS-DELIVER PDUs for `text` from `sender`: GSM 7-bit or UCS-2, concatenated with an
    8-bit reference when it does not fit one. Returns [(hex, tpdu_length)]."""
    when = when or datetime.now(timezone(timedelta(hours=1))).replace(microsecond=0)
    try:
        gp.encodeGsm7(text)
        ucs2 = False
        parts = [text] if len(gp.encodeGsm7(text)) <= 160 else gp.divideTextGsm7(text)
    except ValueError:
        ucs2 = True
        parts = [text] if len(text) <= 70 else gp.divideTextUcs2(text)
    out = []
    for i, part in enumerate(parts):
        udh = bytes([0x00, 0x03, reference, len(parts), i + 1]) if len(parts) > 1 else b""
        out.append(_deliver(sender, part, when, ucs2, udh, smsc))
    return out


def _deliver(sender, text, when, ucs2, udh, smsc):
    first = 0x04 | (0x40 if udh else 0)
    header = bytes([len(udh)]) + udh if udh else b""
    if ucs2:
        body = header + bytes(gp.encodeUcs2(text))
        udl, dcs = len(body), 0x08
    else:
        septets = gp.encodeGsm7(text)
        header_septets = (len(header) * 8 + 6) // 7
        fill = header_septets * 7 - len(header) * 8
        # gsmmodem's padBits is the septet shift (7 - fill), as its own encoder passes it.
        body = header + bytes(gp.packSeptets(septets, padBits=(7 - fill) % 7 if header else 0))
        udl, dcs = header_septets + len(septets), 0x00
    tpdu = (bytes([first]) + bytes(gp._encodeAddressField(sender)) + bytes([0x00, dcs])
            + bytes(gp._encodeTimestamp(when)) + bytes([udl]) + body)
    return (bytes(gp._encodeAddressField(smsc, smscField=True)) + tpdu).hex().upper(), len(tpdu)


def decode_submit(hexpdu):
    """An SMS-SUBMIT as smspdudecoder reads it, with the fields the tests look at."""
    d = SMSSubmit.decode(StringIO(hexpdu))
    recipient = d["recipient"]
    plus = "+" if recipient["toa"]["ton"] == "international" else ""
    header = (d["user_data"].get("header") or {}).get("elements", [])
    concat = next((e["data"] for e in header if e["iei"] in (0, 8)), None)
    return dict(to=plus + recipient["number"], text=d["user_data"]["data"], encoding=d["dcs"]["encoding"],
                status_report=d["header"]["srr"], concat=concat, raw=d)


def status_report_pdu(reference, recipient, status):
    when = datetime.now(timezone.utc).replace(microsecond=0)
    tpdu = (bytes([0x06, reference]) + bytes(gp._encodeAddressField(recipient)) + bytes(gp._encodeTimestamp(when))
            + bytes(gp._encodeTimestamp(when)) + bytes([status]))
    return "00" + tpdu.hex().upper(), len(tpdu)


class ModemSim:
    """One simulated modem. Settings may be changed while it runs (they are read per command)."""

    def __init__(self, directory, name="modem", pin=None, delay=0.01, send_delay=0.05, registered=1, csq=20):
        self.device = os.path.join(directory, f"{name}.tty")
        self.pin = pin
        self.pin_ok = pin is None
        self.delay = delay
        self.send_delay = send_delay
        self.registration = registered
        self.csq = csq
        self.echo = True
        self.silent = False
        self.report_status = {}  # recipient -> TP-ST for its status reports; default 0 (delivered)
        self.reports = True
        self.reports_stored = False  # True: status reports are stored and announced with +CDSI (AT+CNMI ds=2)
        self.hold_reports = False  # True: status reports wait in `held` until release_reports()
        self.held = []  # (mr, recipient) of reports held back
        self.prompt_delay = None  # seconds before the `> ` prompt (None: `delay`)
        self.cancelled = 0  # AT+CMGS abandoned with ESC after the prompt
        self.send_error = None  # e.g. "+CMS ERROR: 42": the next sends fail with it
        self.mid_answer = []  # lines written in the middle of the next multi-line answer
        self.storage = {}  # index -> [stat, hex, length]
        self.sent = []  # decoded SMS-SUBMITs: dict(pdu, length, decoded, mr)
        self.commands = []
        self.transcript = []  # (seconds since creation, "hub>" or "sim>", bytes): what went over the line
        self.created = time.monotonic()
        self.errors = []  # what the simulator found wrong in what the hub sent
        self.mr = 0
        self.lock = threading.RLock()
        self.master = None
        self.stopping = False
        self.thread = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        path = os.ttyname(self.slave)
        tmp = self.device + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(path, tmp)
        os.replace(tmp, self.device)
        self.stopping = False
        self.echo = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def unplug(self):
        """The modem goes away: the pty is closed (the hub sees its device fail)."""
        self.stopping = True
        if self.thread:
            self.thread.join(timeout=5)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if os.path.lexists(self.device):
            os.unlink(self.device)

    def stop(self):
        self.unplug()

    # -- what tests do ----------------------------------------------------------------------
    def store(self, pdus, stat=0):
        """Puts PDUs on the SIM without telling anyone (messages waiting at start)."""
        with self.lock:
            indexes = []
            for hexpdu, length in pdus:
                index = next(i for i in range(1, 1000) if i not in self.storage)
                self.storage[index] = [stat, hexpdu, length]
                indexes.append(index)
            return indexes

    def receive(self, pdus, order=None):
        """An SMS arrives: each PDU is stored and announced with +CMTI (in `order`, if given)."""
        for i in (order or range(len(pdus))):
            index = self.store([pdus[i]])[0]
            self.urc(f'+CMTI: "SM",{index}')

    def urc(self, line):
        with self.lock:
            self._write(f"\r\n{line}\r\n")

    def release_reports(self):
        """Sends the status reports held back (as +CDS, or stored and announced with +CDSI)."""
        with self.lock:
            held, self.held = self.held, []
        for mr, recipient in held:
            self._send_report(mr, recipient)
        return len(held)

    def stored_count(self):
        with self.lock:
            return len(self.storage)

    def transcript_text(self, last=300):
        """The last `last` exchanges over the line, one a line, for a failing test's message."""
        with self.lock:
            entries = self.transcript[-last:]
        return "\n".join(f"{t:9.3f} {who} {data!r}" for t, who, data in entries)

    def _note(self, who, data):
        with self.lock:
            self.transcript.append((time.monotonic() - self.created, who, data))
            del self.transcript[:-2000]

    # -- the modem --------------------------------------------------------------------------
    def _write(self, text):
        data = text.encode() if isinstance(text, str) else text
        self._note("sim>", data)
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def _run(self):
        buf = b""
        while not self.stopping:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                time.sleep(0.05)  # nobody has the device open
                continue
            self._note("hub>", chunk)
            buf += chunk
            while True:
                if b"\r" not in buf:
                    break
                line, buf = buf.split(b"\r", 1)
                # Characters before AT mean nothing to a modem (ITU-T V.250 §5.2.1): an ESC
                # that found no PDU to abandon among them.
                line = line.strip(b"\n").lstrip(b"\x1b\n").decode(errors="replace")
                if not line:
                    continue
                if self.echo:
                    self._write(line + "\r")
                if line.upper().startswith("AT+CMGS="):
                    buf = self._cmgs(line, buf)
                else:
                    self._command(line)

    def _answer(self, *lines, final="OK", delay=None):
        time.sleep(self.delay if delay is None else delay)
        if self.silent:
            return
        with self.lock:
            out = ""
            for i, l in enumerate(lines):
                out += f"\r\n{l}\r\n"
                if i == 0 and self.mid_answer:
                    out += "".join(f"\r\n{u}\r\n" for u in self.mid_answer)
                    self.mid_answer = []
            if not lines and self.mid_answer:
                out += "".join(f"\r\n{u}\r\n" for u in self.mid_answer)
                self.mid_answer = []
            out += f"\r\n{final}\r\n"
            self._write(out)

    def _command(self, line):
        self.commands.append(line)
        up = line.upper()
        if up in ("AT", "ATZ"):
            return self._answer()
        if up == "ATE0":
            self.echo = False
            return self._answer()
        if up.startswith("AT+CMEE=") or up.startswith("AT+CMGF=") or up.startswith("AT+CNMI=") or up.startswith("AT+CSCA="):
            return self._answer()
        if up == "AT+CPIN?":
            return self._answer("+CPIN: READY" if self.pin_ok else "+CPIN: SIM PIN")
        if up.startswith("AT+CPIN="):
            given = line.split("=", 1)[1].strip('"')
            if given == self.pin:
                self.pin_ok = True
                return self._answer()
            return self._answer(final="+CME ERROR: 16")
        if up.startswith("AT+CPMS="):
            n = len(self.storage)
            return self._answer(f"+CPMS: {n},30,{n},30,{n},30")
        if up == "AT+CSQ":
            return self._answer(f"+CSQ: {self.csq},99")
        if up == "AT+CREG?":
            return self._answer(f"+CREG: 0,{self.registration}")
        if up.startswith("AT+CMGL="):
            with self.lock:
                lines = []
                for index in sorted(self.storage):
                    stat, hexpdu, length = self.storage[index]
                    lines += [f"+CMGL: {index},{stat},,{length}", hexpdu]
                    self.storage[index][0] = 1 if stat == 0 else stat
            return self._answer(*lines)
        if up.startswith("AT+CMGR="):
            index = int(line.split("=", 1)[1])
            with self.lock:
                entry = self.storage.get(index)
                if entry:
                    stat, hexpdu, length = entry
                    entry[0] = 1 if stat == 0 else stat
            if not entry:
                return self._answer()
            return self._answer(f"+CMGR: {stat},,{length}", hexpdu)
        if up.startswith("AT+CMGD="):
            index = int(line.split("=", 1)[1].split(",")[0])
            with self.lock:
                self.storage.pop(index, None)
            return self._answer()
        return self._answer(final="ERROR")

    def _cmgs(self, line, buf):
        """AT+CMGS=<length>: the `> ` prompt, the PDU up to Ctrl-Z, then +CMGS: <mr>."""
        self.commands.append(line)
        length = int(line.split("=", 1)[1])
        time.sleep(self.delay if self.prompt_delay is None else self.prompt_delay)
        if self.silent:
            return buf
        self._write("\r\n> ")
        deadline = time.time() + 10
        # Everything up to Ctrl-Z is the PDU; ESC abandons it (3GPP TS 27.005 §3.5.1).
        while b"\x1a" not in buf and b"\x1b" not in buf and time.time() < deadline and not self.stopping:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    return b""
                self._note("hub>", chunk)
                buf += chunk
        if b"\x1b" in buf and (b"\x1a" not in buf or buf.index(b"\x1b") < buf.index(b"\x1a")):
            body, buf = buf.split(b"\x1b", 1)
            if body.strip():
                self.errors.append(f"the PDU after AT+CMGS={length} was abandoned part-way: {body!r}")
            self.cancelled += 1
            return buf
        if b"\x1a" not in buf:
            self.errors.append(f"no Ctrl-Z after AT+CMGS={length}" + (f"; got {buf[:80]!r}" if buf else ""))
            return buf
        body, buf = buf.split(b"\x1a", 1)
        hexpdu = body.decode(errors="replace").strip()
        if "AT" in hexpdu.upper():
            # A real modem would take these bytes for the PDU: the hub wrote a command while
            # the modem waited after `> `.
            self.errors.append(f"an AT command came while waiting for the PDU after AT+CMGS={length}: {hexpdu[:80]!r}")
            self._answer(final="+CMS ERROR: 304", delay=0)
            return buf
        deadline = time.time() + self.send_delay
        while time.time() < deadline:  # the network takes its time; the modem may be unplugged meanwhile
            if self.stopping:
                return b""
            time.sleep(0.01)
        if self.silent:
            return buf
        if self.send_error:
            self._answer(final=self.send_error, delay=0)
            return buf
        smsc_octets = int(hexpdu[:2], 16)
        tpdu_length = len(hexpdu) // 2 - 1 - smsc_octets
        if tpdu_length != length:
            self.errors.append(f"AT+CMGS={length} but the TPDU has {tpdu_length} octets: {hexpdu}")
            self._answer(final="+CMS ERROR: 304", delay=0)
            return buf
        try:
            decoded = decode_submit(hexpdu)
        except Exception as e:  # noqa: BLE001 - any failure to decode is what the test must see
            self.errors.append(f"smspdudecoder cannot read {hexpdu}: {e!r}")
            self._answer(final="+CMS ERROR: 304", delay=0)
            return buf
        with self.lock:
            self.mr = (self.mr + 1) % 256
            mr = self.mr
            self.sent.append(dict(pdu=hexpdu, length=length, decoded=decoded, mr=mr))
        self._answer(f"+CMGS: {mr}", delay=0)
        first = int(hexpdu[2 + smsc_octets * 2:4 + smsc_octets * 2], 16)
        if self.reports and first & 0x20:
            threading.Thread(target=self._report, args=(mr, decoded["to"]), daemon=True).start()
        return buf

    def _report(self, mr, recipient):
        time.sleep(self.send_delay)
        with self.lock:
            if self.hold_reports:
                self.held.append((mr, recipient))
                return
        self._send_report(mr, recipient)

    def _send_report(self, mr, recipient):
        number = recipient or "+4700000000"
        status = self.report_status.get(number, 0)
        hexpdu, length = status_report_pdu(mr, number, status)
        if self.reports_stored:
            index = self.store([(hexpdu, length)])[0]
            self.urc(f'+CDSI: "SM",{index}')
        else:
            self.urc(f"+CDS: {length}\r\n{hexpdu}")
