"""A real Prosody on loopback for the XMPP tests, and slixmpp clients playing people.

`Prosody(tmp)` writes its own config under a temp dir (loopback port, its own data dir, a
certificate for `localhost` made with openssl at test time, which the hub gets as `ca_file`),
registers users with `prosodyctl --config … register`, and starts, stops and restarts the
server. `Human` is a slixmpp client in a thread of its own, with XEP-0184 receipts on.

The fixture `prosody` (import `prosody_server`) is a started server with the users of `USERS`;
`hub_on` starts a hub whose connector `chat` logs in to it as `hub@localhost`.
"""
import asyncio
import os
import pwd
import queue
import signal
import ssl
import subprocess
import textwrap
import threading
import time

import pytest

from conftest import Hub, free_port, wait_for

# The accounts every XMPP test's server has: the hub's own, and two people.
USERS = (("hub", "hub-secret"), ("kari", "kari-secret"), ("ola", "ola-secret"))

CONFIG = """\
run_as_root = true
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
certificates = "{dir}/certs"
log = {{ {{ levels = {{ min = "debug" }}, to = "file", filename = "{dir}/prosody.log" }} }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{}}
s2s_ports = {{}}
http_ports = {{}}
https_ports = {{}}
modules_enabled = {{ "roster", "saslauth", "tls", "disco", "ping", "smacks", "presence", "offline" }}
modules_disabled = {{ "s2s" }}
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
allow_registration = false
VirtualHost "localhost"
  ssl = {{ certificate = "{dir}/localhost.crt", key = "{dir}/localhost.key" }}
"""


class Prosody:
    def __init__(self, directory):
        self.dir = str(directory)
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "certs"), exist_ok=True)
        self.port = free_port()
        self.cafile = os.path.join(self.dir, "localhost.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(self.dir, "localhost.key"), "-out", self.cafile, "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True)
        self.config = os.path.join(self.dir, "prosody.cfg.lua")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(dir=self.dir, port=self.port))
        if os.geteuid() == 0:
            # prosodyctl drops to the prosody user; it must be able to write its files.
            user = pwd.getpwnam("prosody")
            for root, dirs, files in os.walk(self.dir):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, user.pw_uid, user.pw_gid)
        self.proc = None

    def register(self, user, password):
        subprocess.run(["prosodyctl", "--config", self.config, "register", user, "localhost", password],
                       check=True, capture_output=True, timeout=60)

    def start(self):
        self.log_out = open(os.path.join(self.dir, f"stdout-{time.time_ns()}.txt"), "w")
        self.proc = subprocess.Popen(["prosody", "--config", self.config, "-F"], stdout=self.log_out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prosody exited with {self.proc.returncode}:\n{self.logs()[-3000:]}")
            if "Activated service 'c2s' on [127.0.0.1]" in self.logs():
                return self
            time.sleep(0.1)
        raise RuntimeError("prosody did not start:\n" + self.logs()[-3000:])

    def logs(self):
        try:
            with open(os.path.join(self.dir, "prosody.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # The log of a stopped server is kept; a new start appends to it.
        if os.path.exists(os.path.join(self.dir, "prosody.log")):
            os.replace(os.path.join(self.dir, "prosody.log"), os.path.join(self.dir, f"prosody-{time.time_ns()}.log"))


@pytest.fixture(name="prosody")
def prosody_server(tmp_path):
    """A started Prosody with the accounts of `USERS`, stopped after the test."""
    server = Prosody(tmp_path / "prosody")
    for user, password in USERS:
        server.register(user, password)
    server.start()
    yield server
    server.stop()


def hub_on(tmp_path, prosody, connector="", sections="", port=None):
    """A hub whose connector `chat` (engine xmpp, channel im) logs in as hub@localhost to
    `prosody`, or through `port` (a proxy in front of it), and reconnects within 200 ms–2 s.
    `connector` adds keys to `chat`, `sections` adds top-level YAML. Returns once the hub's
    XMPP session is ready."""
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        connectors:
          chat:
            engine: xmpp
            channels: [im]
            jid: hub@localhost
            password_env: HUB_XMPP_PASSWORD
            host: 127.0.0.1
            port: {port or prosody.port}
            ca_file: {prosody.cafile}
            reconnect_delay: 200ms
            reconnect_max_delay: 2s
        """) + textwrap.indent(textwrap.dedent(connector), "    ") + textwrap.dedent(sections))
    data = tmp_path / "data"
    data.mkdir()
    h = Hub(str(data), config=str(cfg), env={"HUB_XMPP_PASSWORD": "hub-secret"}).start()
    wait_for(lambda: "xmpp session ready" in h.logs(), timeout=30, what="the hub's XMPP session")
    return h


# Stopped clients and their loops, kept so that slixmpp's finalizer never meets a collected loop.
_retired = []


class Human:
    """A person's XMPP client (slixmpp) on its own event loop thread."""

    def __init__(self, prosody, user, password):
        import slixmpp
        self.messages = queue.Queue()
        self.presences = queue.Queue()
        self.ready = threading.Event()
        self.jid = f"{user}@localhost"
        self.loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(self.loop)
            c = slixmpp.ClientXMPP(self.jid + "/phone", password)
            c.ssl_context = ssl.create_default_context(cafile=prosody.cafile)
            c.register_plugin("xep_0184")
            c.plugin["xep_0184"].auto_ack = True
            c.plugin["xep_0184"].auto_request = False
            c.register_plugin("xep_0199")
            c.auto_authorize = True

            def started(_):
                c.send_presence()
                c.get_roster()
                self.ready.set()
            c.add_event_handler("session_start", started)
            c.add_event_handler("message", lambda m: self.messages.put((str(m["from"].bare), m["body"], m["id"]))
                                if m["type"] in ("chat", "normal") and m["body"] else None)
            for kind in ("subscribed", "unsubscribed"):
                c.add_event_handler(f"presence_{kind}", lambda p, k=kind: self.presences.put((k, str(p["from"].bare))))
            self.client = c
            c.connect(host="127.0.0.1", port=prosody.port)
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError(f"{self.jid} did not log in")

    def call(self, fn):
        self.loop.call_soon_threadsafe(fn)

    def say(self, to, body):
        self.call(lambda: self.client.send_message(mto=to, mbody=body, mtype="chat"))

    def subscribe(self, to):
        self.call(lambda: self.client.send_presence(pto=to, ptype="subscribe"))

    def next_message(self, timeout=30):
        return self.messages.get(timeout=timeout)

    def next_presence(self, timeout=30):
        return self.presences.get(timeout=timeout)

    def stop(self):
        done = threading.Event()

        async def bye():
            try:
                self.client.disconnect()
                await asyncio.wait_for(self.client.disconnected, 5)
            except Exception:
                pass
            done.set()
        asyncio.run_coroutine_threadsafe(bye(), self.loop)
        done.wait(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        _retired.append((self.loop, self.client))


class CuttableProxy:
    """A TCP proxy on loopback in front of a server; `cut()` drops every connection through it
    at once (both sides), as a lost network would, while the server keeps running."""

    def __init__(self, port):
        import socket
        self.target = port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.pairs = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        import socket
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def connections(self):
        with self.lock:
            return len(self.pairs)

    def cut(self):
        import socket
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def stop(self):
        self.cut()
        self.sock.close()
