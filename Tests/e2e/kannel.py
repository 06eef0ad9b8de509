"""Runs a real Kannel for the end-to-end tests: bearerbox, smsbox and fakesmsc (Kannel's own
test SMSC) on loopback, from a kannel.conf written into a temporary directory.

Only the SMSC at the far end is Kannel's test stand-in; bearerbox and smsbox are the real
gateway, and they talk to the real hub. fakesmsc sends the MO messages given on its command
line and prints every MT message it receives ("Got message N: <from to type text>"), which is
how the tests see what reached "the phone".
"""
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request

BEARERBOX = os.environ.get("KANNEL_BEARERBOX", "/usr/sbin/bearerbox")
SMSBOX = os.environ.get("KANNEL_SMSBOX", "/usr/sbin/smsbox")
FAKESMSC = os.environ.get("KANNEL_FAKESMSC", "/usr/lib/kannel/test/fakesmsc")


def installed():
    return all(os.access(p, os.X_OK) for p in (BEARERBOX, SMSBOX, FAKESMSC))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout}s")


class Kannel:
    """One bearerbox + smsbox pair, and fakesmsc runs against it.

    The default sms-service hands every MO to the hub's inbound endpoint with the connector's
    secret; `max-messages = 0` and `omit-empty = true` make sure Kannel never sends the hub's
    answer (or an error text) back to the phone. A second service, keyword `wrongsecret`,
    calls the hub with a wrong secret, to prove such calls are refused.
    """

    def __init__(self, workdir, hub_port, secret, connector="kannel", username="switchboard", password="kannel-pass-1"):
        self.dir = os.path.join(workdir, "kannel")
        os.makedirs(self.dir, exist_ok=True)
        self.hub_port, self.secret, self.connector = hub_port, secret, connector
        self.username, self.password = username, password
        self.admin_port, self.smsbox_port = free_port(), free_port()
        self.sendsms_port, self.smsc_port = free_port(), free_port()
        self.admin_password = "kannel-admin"
        self.procs = {}
        self.fakesmsc_runs = []

    @property
    def sendsms_url(self):
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def connector_yaml(self, indent=2, **extra):
        """The hub's `kannel` connector for this Kannel, as a YAML block to put under `connectors:`
        (password and inbound secret from KANNEL_PASSWORD and KANNEL_INBOUND_SECRET)."""
        lines = [f"{self.connector}:", "  engine: kannel", "  channels: [sms]", f'  url: "{self.sendsms_url}"',
                 f"  username: {self.username}", "  password_env: KANNEL_PASSWORD", "  from: Switchboard",
                 f'  dlr_url: "http://127.0.0.1:{self.hub_port}"', "  inbound_secret_env: KANNEL_INBOUND_SECRET"]
        lines += [f"  {k}: {v}" for k, v in extra.items()]
        return "\n".join(" " * indent + line for line in lines) + "\n"

    def inbound_url(self, secret):
        # %p sender, %P receiver, %a text (URL-encoded), %c coding, %C charset: with the last two
        # the hub can read a UCS-2 message, which Kannel passes on as UTF-16BE bytes.
        base = f"http://127.0.0.1:{self.hub_port}/api/v1/connectors/{self.connector}/inbound"
        return f"{base}?secret={secret}&from=%p&to=%P&text=%a&coding=%c&charset=%C"

    def config(self):
        return f"""
group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = {self.admin_password}
smsbox-port = {self.smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "{self.dir}/bearerbox.log"
log-level = 0
access-log = "{self.dir}/access.log"
dlr-storage = internal

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{self.dir}/smsbox.log"
log-level = 0
access-log = "{self.dir}/smsbox-access.log"

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = sendsms-user
username = {self.username}
password = {self.password}
max-messages = 10
concatenation = true

group = sms-service
keyword = wrongsecret
get-url = "{self.inbound_url("not-the-connectors-secret")}"
max-messages = 0
omit-empty = true

group = sms-service
keyword = default
get-url = "{self.inbound_url(self.secret)}"
max-messages = 0
omit-empty = true
catch-all = true
"""

    def start(self):
        path = os.path.join(self.dir, "kannel.conf")
        with open(path, "w") as f:
            f.write(self.config())
        self._spawn("bearerbox", [BEARERBOX, path])
        wait_for_port(self.admin_port, self.procs["bearerbox"][0], "bearerbox")
        wait_for_port(self.smsbox_port, self.procs["bearerbox"][0], "bearerbox")
        self._spawn("smsbox", [SMSBOX, path])
        wait_for_port(self.sendsms_port, self.procs["smsbox"][0], "smsbox")
        return self

    def _spawn(self, name, args):
        out = open(os.path.join(self.dir, f"{name}.out"), "w+")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir)
        self.procs[name] = (proc, out)
        return proc

    def status(self):
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.admin_password}"
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode(errors="replace")

    def run_fakesmsc(self, *messages, count=None):
        """Starts fakesmsc sending `messages` (each "from to type text…"; `count` of them in all,
        default one each) and staying connected to receive MT. Stops any earlier run first,
        since the fake SMSC takes one connection. Waits until bearerbox has it online."""
        self.stop_fakesmsc()
        n = len(self.fakesmsc_runs)
        total = count if count is not None else len(messages)
        args = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0.1", "-m", str(total)]
        args += list(messages) or ["0 0 text unused"]
        proc = self._spawn(f"fakesmsc-{n}", args)
        self.fakesmsc_runs.append(f"fakesmsc-{n}")
        deadline = time.time() + 20
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"fakesmsc exited with {proc.returncode}:\n{self.fakesmsc_output()}")
            if "fake" in self.status() and "online" in self._smsc_line():
                return proc
            time.sleep(0.1)
        raise RuntimeError("bearerbox never saw fakesmsc online:\n" + self.status())

    def _smsc_line(self):
        lines = [l for l in self.status().splitlines() if l.strip().startswith("fake")]
        return lines[0] if lines else ""

    def fakesmsc_output(self):
        """Everything the current fakesmsc printed."""
        if not self.fakesmsc_runs:
            return ""
        _, out = self.procs[self.fakesmsc_runs[-1]]
        with open(out.name, errors="replace") as f:
            return f.read()

    def received(self):
        """MT messages fakesmsc got, as (from, to, type, text) with `text` URL-decoded for ucs-2
        (fakesmsc prints UCS-2 as URL-encoded UTF-16BE bytes)."""
        got = []
        for line in self.fakesmsc_output().splitlines():
            if "Got message" not in line or "<" not in line:
                continue
            body = line[line.index("<") + 1:line.rindex(">")]
            sender, receiver, kind, text = (body.split(" ", 3) + [""])[:4]
            if kind == "ucs-2":
                # Kannel's URL-encoding writes the byte 0x20 as "+", also inside UTF-16 units.
                text = urllib.parse.unquote_to_bytes(text.replace("+", "%20")).decode("utf-16-be")
            got.append((sender, receiver, kind, text))
        return got

    def replies_withheld(self):
        """How many sms-service answers smsbox has finished with and, as `max-messages = 0`
        tells it, sent nothing back for: its own log's word that no reply went to the phone."""
        with open(os.path.join(self.dir, "smsbox.log"), errors="replace") as f:
            return f.read().count("No reply sent, denied.")

    def stop_fakesmsc(self):
        for name in self.fakesmsc_runs:
            self._stop(name)

    def _stop(self, name, timeout=10):
        proc, out = self.procs[name]
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()

    def stop(self):
        """Stops fakesmsc, smsbox and bearerbox, in that order."""
        self.stop_fakesmsc()
        for name in ("smsbox", "bearerbox"):
            if name in self.procs:
                self._stop(name)

    def logs(self):
        text = []
        for name in ("bearerbox.log", "smsbox.log", "access.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text.append(f"--- {name}\n" + "".join(f.readlines()[-40:]))
        return "\n".join(text)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
