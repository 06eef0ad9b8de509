"""A real gammu-smsd (Debian's gammu-smsd) with Gammu's dummy phone driver and the files
backend, for the `gammu` engine's end-to-end tests. The dummy phone is a directory: an SMS
"arrives" when `gammu savesms` stores one in its inbox folder."""
import os
import re
import shutil
import subprocess
import time


def installed():
    return shutil.which("gammu-smsd") is not None and shutil.which("gammu") is not None


class GammuSMSD:
    def __init__(self, directory):
        self.dir = os.path.join(directory, "gammu")
        self.phone = os.path.join(self.dir, "phone") + "/"
        self.paths = {k: os.path.join(self.dir, k) + "/" for k in ("inbox", "outbox", "sent", "error")}
        for p in [self.phone, *self.paths.values()]:
            os.makedirs(p, exist_ok=True)
        self.log = os.path.join(self.dir, "smsd.log")
        self.phonerc = os.path.join(self.dir, "gammurc")
        with open(self.phonerc, "w") as f:
            f.write(f"[gammu]\ndevice = {self.phone}\nconnection = none\nmodel = dummy\n")
        self.rc = os.path.join(self.dir, "smsdrc")
        with open(self.rc, "w") as f:
            f.write(f"[gammu]\ndevice = {self.phone}\nconnection = none\nmodel = dummy\n\n[smsd]\nservice = files\n"
                    f"inboxpath = {self.paths['inbox']}\noutboxpath = {self.paths['outbox']}\n"
                    f"sentsmspath = {self.paths['sent']}\nerrorsmspath = {self.paths['error']}\n"
                    "inboxformat = unicode\noutboxformat = unicode\ntransmitformat = auto\n"
                    f"logfile = {self.log}\ndebuglevel = 1\ncommtimeout = 1\nsendtimeout = 5\n"
                    "receivefrequency = 1\nstatusfrequency = 0\nloopsleep = 1\nmultiparttimeout = 5\n"
                    "checksecurity = 0\ncheckbattery = 0\nchecksignal = 0\n")
        self.proc = None

    def connector_yaml(self, name="gammu", **extra):
        keys = dict(engine="gammu", channels="[sms]", outbox=self.paths["outbox"], sent=self.paths["sent"],
                    error=self.paths["error"], inbox=self.paths["inbox"], poll_interval="200ms")
        keys.update(extra)
        return f"  {name}:\n" + "".join(f"    {k}: {v}\n" for k, v in keys.items())

    def start(self):
        self.proc = subprocess.Popen(["gammu-smsd", "-c", self.rc], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            if "Starting phone communication" in self.logs():
                return self
            time.sleep(0.1)
        raise RuntimeError("gammu-smsd did not start:\n" + self.logs())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def logs(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:  # noqa: SIM115
                return f.read()
        except FileNotFoundError:
            return ""

    def arrive(self, sender, text):
        """An SMS from `sender` arrives at the dummy phone (Gammu stores it as a received one)."""
        before = set(self._stored())
        r = subprocess.run(["gammu", "-c", self.phonerc, "savesms", "TEXT", "-folder", "1", "-unread", "-sender", sender,
                            "-unicode", "-len", str(len(text)), "-text", text], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        for path in set(self._stored()) - before:
            # `savesms` stores what it saves as an SMS-SUBMIT; a received one is an SMS-DELIVER.
            with open(path, "rb") as f:  # its comment lines are not always UTF-8
                content = f.read()
            with open(path, "wb") as f:
                f.write(re.sub(rb"^PDU = Submit\r?$", b"PDU = Deliver", content, flags=re.M))

    def _stored(self):
        folder = os.path.join(self.phone, "sms", "1")
        return [os.path.join(folder, n) for n in os.listdir(folder)] if os.path.isdir(folder) else []
