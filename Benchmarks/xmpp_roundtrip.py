#!/usr/bin/env python3
"""XMPP round trips through a real Prosody: slixmpp clients → the hub's responder → back,
next to a slixmpp echo bot on the same Prosody in the same run (README "Benchmarks").

Starts Prosody on loopback in a temporary directory (as the e2e fixture `Tests/e2e/prosody.py`
does, logging at info instead of debug), the release hub binary with an `xmpp` connector and a
declared responder whose one step answers every message and loops back to itself (a
conversation that never ends, every turn committed with `synchronous: full`), and an echo bot
in a process of its own. For each client count K, K clients (one asyncio loop, in this
process) each do M round trips to the bot, then M to the hub: send, wait for the answer, send
the next. Prints round trips per second, p50/p99 latency, the hub/bot ratio and the hub's
added latency, the CPU milliseconds per round trip of each process (Prosody, hub, bot,
clients) with how busy the machine was and how much of it other processes took, the rate
Prosody and the clients alone allow on this machine (a hub that cost nothing), the disk's
flush floor, and how many turns the hub committed. `--perf DIR` and `--strace DIR` record the
hub during each hub phase. Bounded: every answer within 30 s, the whole run within `--budget`
seconds.
`--prosody-nodelay` turns Nagle's algorithm off in Prosody (README "Benchmarks" says why it
matters to the hub and not to the bot); `--synchronous normal` shows what the flush costs.

    SWITCHBOARD_BIN=.build/release/switchboard python3 Benchmarks/xmpp_roundtrip.py --clients 1,16
"""
import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("SWITCHBOARD_BIN", os.path.join(HERE, "..", ".build", "release", "switchboard"))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "e2e"))

import prosody as fixture  # noqa: E402
from conftest import Hub, wait_for  # noqa: E402

HUB = "hub@localhost"
BOT = "echo@localhost"
ANSWER_TIMEOUT = 30

CONFIG = """\
logging:
  level: {log_level}
  format: json
storage:
  synchronous: {synchronous}
connectors:
  chat:
    engine: xmpp
    channels: [im]
    jid: {hub}
    password_env: HUB_XMPP_PASSWORD
    host: 127.0.0.1
    port: {port}
    ca_file: {cafile}
conversations:
  responders:
    loop:
      summary: Answers every message and never ends
      keywords: [loop]
      steps:
        - name: say
          prompt: "ok:{{{{said}}}}"
          save_as: said
          max_length: 200
          next: say
"""


def client(jid, password, cafile):
    import slixmpp
    c = slixmpp.ClientXMPP(jid, password)
    c.ssl_context = ssl.create_default_context(cafile=cafile)
    return c


async def log_in(c, port):
    started = asyncio.get_running_loop().create_future()
    c.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
    c.connect(host="127.0.0.1", port=port)
    await asyncio.wait_for(started, ANSWER_TIMEOUT)
    c.send_presence()


def echo_bot(cafile, port, ready, stop):
    """The bot's process: answers each chat message with `ok:` and its body, to the sender's
    bare JID as the hub does."""
    async def main():
        c = client(BOT + "/bot", "echo-secret", cafile)

        def on_message(m):
            if m["type"] in ("chat", "normal") and m["body"]:
                c.send_message(mto=m["from"].bare, mbody="ok:" + m["body"], mtype="chat")
        c.add_event_handler("message", on_message)
        await log_in(c, port)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        c.disconnect()
    asyncio.run(main())


class Person:
    """One benchmark client: sends, waits for the answer, sends the next."""

    def __init__(self, name, cafile):
        self.name = name
        self.answers = asyncio.Queue()
        self.xmpp = client(f"{name}@localhost/bench", f"{name}-secret", cafile)
        self.xmpp.add_event_handler("message", lambda m: self.answers.put_nowait(m["body"])
                                    if m["type"] in ("chat", "normal") and m["body"] else None)

    async def ask(self, to, body):
        self.xmpp.send_message(mto=to, mbody=body, mtype="chat")
        return await asyncio.wait_for(self.answers.get(), ANSWER_TIMEOUT)

    async def round_trips(self, to, count, tag, latencies):
        errors = 0
        for i in range(count):
            body = f"{self.name}-{tag}-{i}"
            started = time.perf_counter()
            answer = await self.ask(to, body)
            latencies.append(time.perf_counter() - started)
            errors += answer != "ok:" + body
        return errors


def cpu_seconds(pid):
    """CPU time of `pid` and every thread it ever had (/proc/PID/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks():
    """Busy and total jiffies of the whole machine (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def flush_floor(directory, count=50):
    """p50 and p99 ms of one 4 KiB write and `fdatasync` in `directory`: the disk's own floor
    under each of the hub's commits (`synchronous = FULL`)."""
    path = os.path.join(directory, "flush-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    took = []
    try:
        for _ in range(count):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fdatasync(fd)
            took.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        os.unlink(path)
    return percentile(took, 0.5) * 1000, percentile(took, 0.99) * 1000


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def phase(people, to, rounds, tag, pids):
    latencies = []
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy_before, total_before = machine_ticks()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    errors = sum(await asyncio.gather(*(p.round_trips(to, rounds, tag, latencies) for p in people)))
    elapsed = time.perf_counter() - started
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    busy_after, total_after = machine_ticks()
    cores = os.cpu_count() or 1
    busy = (busy_after - busy_before) / os.sysconf("SC_CLK_TCK")
    # What the rest of the machine used meanwhile (other people's builds, the kernel's own work
    # for nobody in particular): busy CPU not charged to any process of this run.
    others = max(0.0, busy - sum(cpu.values()))
    return {"rate": len(latencies) / elapsed, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "errors": errors, "elapsed": elapsed, "cpu": cpu,
            "count": len(latencies), "busy": busy / (elapsed * cores), "others": others / elapsed,
            "load": (load_before, os.getloadavg()[0])}


@contextlib.contextmanager
def profiled(directory, pid, name):
    """`perf record -g` of `pid` while the block runs, into DIRECTORY/NAME.data (with --perf)."""
    if not directory:
        yield
        return
    os.makedirs(directory, exist_ok=True)
    out = os.path.join(directory, name + ".data")
    perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait(30)
        print("perf profile of the hub:", out)


@contextlib.contextmanager
def traced(directory, pid, name):
    """`strace -f -tt` of the hub's socket and disk calls while the block runs, into
    DIRECTORY/NAME.strace (with --strace): the time line of each stage of a turn. It slows
    the hub down; read it for the order and spacing of the stages, not for the rate."""
    if not directory:
        yield
        return
    os.makedirs(directory, exist_ok=True)
    out = os.path.join(directory, name + ".strace")
    calls = "read,write,writev,readv,recvfrom,sendto,recvmsg,sendmsg,pwrite64,fdatasync,fsync"
    trace = subprocess.Popen(["strace", "-f", "-tt", "-e", "trace=" + calls, "-o", out, "-p", str(pid)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached to every thread before the phase starts
    try:
        yield
    finally:
        trace.send_signal(signal.SIGINT)
        trace.wait(30)
        print("strace of the hub:", out)


def turns(session, hub):
    text = session.get(hub.url + "/metrics").text
    m = re.search(r"^switchboard_conversation_turns_total(?:\{[^}]*\})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


async def measure(args, server, hub, bot_pid):
    session = hub.session()
    people = [Person(f"c{i}", server.cafile) for i in range(1, max(args.clients) + 1)]
    await asyncio.gather(*(log_in(p.xmpp, server.port) for p in people))
    # Each client starts its never-ending conversation and warms both paths up.
    for p in people:
        assert await p.ask(HUB, "loop") == "ok:", "the responder did not start"
    await asyncio.gather(*(p.round_trips(BOT + "/bot", args.warmup, "warm", []) for p in people))
    await asyncio.gather(*(p.round_trips(HUB, args.warmup, "warm", []) for p in people))
    pids = {"prosody": server.proc.pid, "hub": hub.proc.pid, "bot": bot_pid, "clients": os.getpid()}
    rows = []
    for k in args.clients:
        group = people[:k]
        bot = await phase(group, BOT + "/bot", args.rounds, f"bot{k}", pids)
        before = turns(session, hub)
        with profiled(args.perf, hub.proc.pid, f"hub-{k}"), traced(args.strace, hub.proc.pid, f"hub-{k}"):
            via_hub = await phase(group, HUB, args.rounds, f"hub{k}", pids)
        via_hub["turns"] = turns(session, hub) - before
        rows.append((k, bot, via_hub))
    for p in people:
        p.xmpp.disconnect()
    await asyncio.sleep(0.5)
    return rows


PROCESSES = ("prosody", "hub", "bot", "clients")


def report(rows, rounds):
    cores = os.cpu_count() or 1
    print(f"\n{rounds} round trips per client. CPU ms per round trip of each process "
          "(prosody / hub / bot / clients); machine: busy share of all cores, others' cores "
          "(CPU used by processes outside this run), load average at start → end")
    print("| clients | target | round trips/s | p50 ms | p99 ms | errors | CPU ms per round trip | machine |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for k, bot, hub in rows:
        for name, r in (("echo bot", bot), ("hub", hub)):
            per = " / ".join(f"{r['cpu'][n] * 1000 / r['count']:.3f}" for n in PROCESSES)
            machine = f"{r['busy']:.0%} busy, others {r['others']:.2f} cores, load {r['load'][0]:.1f}→{r['load'][1]:.1f}"
            print(f"| {k} | {name} | {r['rate']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {per} | {machine} |")
        note = f"turns committed {hub['turns']:.0f} of {hub['count']}" if "turns" in hub else ""
        print(f"|   | hub / bot | {hub['rate'] / bot['rate']:.2f}× | +{hub['p50'] - bot['p50']:.1f} | "
              f"+{hub['p99'] - bot['p99']:.1f} | | | {note} |")
    print("\nWhat the machine allows (from the hub phase's own figures):")
    for k, bot, hub in rows:
        per = {n: hub["cpu"][n] / hub["count"] for n in PROCESSES}
        outside = per["prosody"] + per["clients"]
        clients_share = hub["cpu"]["clients"] / hub["elapsed"]
        bot_clients_share = bot["cpu"]["clients"] / bot["elapsed"]
        print(f"- {k} clients: Prosody and the clients alone take {outside * 1000:.3f} ms of CPU per round "
              f"trip, so {cores} cores carry at most {cores / outside:,.0f} round trips/s with a hub that "
              f"costs nothing (target 2× bot = {2 * bot['rate']:,.0f}/s); the clients' one process was "
              f"busy {bot_clients_share:.0%} of a core with the bot, {clients_share:.0%} with the hub "
              f"(one core caps it at {1 / per['clients']:,.0f}/s); the hub took {per['hub'] * 1000:.3f} ms "
              f"of CPU per turn ({hub['cpu']['hub'] / hub['elapsed']:.2f} cores)")


@contextlib.contextmanager
def workdir(keep):
    tmp = tempfile.mkdtemp(prefix="switchboard-xbench-")
    try:
        yield tmp
    finally:
        if keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,16", help="client counts, comma-separated (default 1,16)")
    parser.add_argument("--rounds", type=int, default=200, help="round trips per client per phase (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured round trips per client first")
    parser.add_argument("--synchronous", default="full", choices=["full", "normal"],
                        help="the hub's storage.synchronous (default full; normal shows what the flush costs)")
    parser.add_argument("--log-level", default="info", help="the hub's logging.level (its log is kept with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) and print its path")
    parser.add_argument("--prosody-nodelay", action="store_true",
                        help="turn Nagle's algorithm off in Prosody (network_settings.nagle = false)")
    parser.add_argument("--perf", metavar="DIR", help="record the hub with `perf record -g` in each hub phase, into DIR")
    parser.add_argument("--strace", metavar="DIR", help="strace the hub's socket and disk calls in each hub phase, into DIR")
    parser.add_argument("--budget", type=int, default=290, help="seconds before the run gives up")
    args = parser.parse_args()
    args.clients = sorted({int(k) for k in args.clients.split(",")})
    fixture.CONFIG = fixture.CONFIG.replace('min = "debug"', 'min = "info"')
    if args.prosody_nodelay:
        fixture.CONFIG = "network_settings = {{ nagle = false }}\n" + fixture.CONFIG

    with workdir(args.keep) as tmp:
        server = fixture.Prosody(os.path.join(tmp, "prosody"))
        users = [("hub", "hub-secret"), ("echo", "echo-secret")]
        users += [(f"c{i}", f"c{i}-secret") for i in range(1, max(args.clients) + 1)]
        for user, password in users:
            server.register(user, password)
        server.start()
        hub = bot = None
        stop = multiprocessing.Event()
        try:
            cfg = os.path.join(tmp, "hub.yaml")
            with open(cfg, "w") as f:
                f.write(CONFIG.format(hub=HUB, port=server.port, cafile=server.cafile, synchronous=args.synchronous, log_level=args.log_level))
            data = os.path.join(tmp, "data")
            os.mkdir(data)
            hub = Hub(data, config=cfg, env={"HUB_XMPP_PASSWORD": "hub-secret"}).start()
            wait_for(lambda: "xmpp session ready" in hub.logs(), timeout=30, what="the hub's XMPP session")
            ready = multiprocessing.Event()
            bot = multiprocessing.Process(target=echo_bot, args=(server.cafile, server.port, ready, stop))
            bot.start()
            if not ready.wait(30):
                raise RuntimeError("the echo bot did not log in")
            rows = asyncio.run(asyncio.wait_for(measure(args, server, hub, bot.pid), args.budget))
            report(rows, args.rounds)
            p50, p99 = flush_floor(data)
            print(f"\nThe disk's flush floor (4 KiB write + fdatasync in the hub's data directory, after "
                  f"the run): p50 {p50:.2f} ms, p99 {p99:.2f} ms. One client's round trip through the hub "
                  "waits for two in series (the message, then the turn with its reply claimed).")
        finally:
            stop.set()
            if bot:
                bot.join(10)
                if bot.is_alive():
                    bot.terminate()
                    bot.join()
            if hub:
                hub.stop()
            server.stop()


if __name__ == "__main__":
    main()
