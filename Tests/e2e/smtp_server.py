"""Helpers for the SMTP end-to-end tests: a real aiosmtpd server run from
Tests/SwitchboardSMTPTests/Resources/smtp_server.py (the same script the Swift tests use)."""
import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time

import pytest


SCRIPT = os.path.join(os.path.dirname(__file__), "../SwitchboardSMTPTests/Resources/smtp_server.py")


class SMTPServer:
    """aiosmtpd on 127.0.0.1 (free port); each accepted mail lands in `outdir` as NNN.eml + NNN.json."""

    def __init__(self, outdir, *args):
        pytest.importorskip("aiosmtpd", reason="pip install aiosmtpd (scripts/test.sh does)")
        self.outdir = str(outdir)
        os.makedirs(self.outdir, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, SCRIPT, "--outdir", self.outdir, *args],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.port = json.loads(self.proc.stdout.readline())["port"]

    def received(self):
        return sorted(f[:-4] for f in os.listdir(self.outdir) if f.endswith(".eml"))

    def message(self, name):
        with open(os.path.join(self.outdir, name + ".eml"), "rb") as f:
            return email.message_from_bytes(f.read(), policy=email.policy.default)

    def envelope(self, name):
        with open(os.path.join(self.outdir, name + ".json")) as f:
            return json.load(f)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def wait_for_mail(server, count=1, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(server.received()) >= count:
            return server.received()
        time.sleep(0.1)
    raise AssertionError(f"no mail arrived at aiosmtpd within {timeout}s")
