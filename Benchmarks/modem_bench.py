"""Modem benchmark: the release binary against simulated GSM modems (Tests/e2e/modem_sim.py).

1. Throughput: N modems (1, 3, 8) that each take 2 s per SMS, one route with `strategy: spread`,
   4 SMS per modem accepted in one batch; SMS/s from the batch's acceptance until the last PDU
   reached a modem.
2. A burst of 1,000 alerts to a few phones through 3 such modems with `packing` (nav, then
   segments): how many SMS went out, how many alerts they carried (the others are `ignored`,
   counted in the ` +N see web.` note) and how long until nothing was left in the queue.

    SWITCHBOARD_BIN=.build/release/switchboard python3 Benchmarks/modem_bench.py

Everything listens on 127.0.0.1; each run stops its hub and modems. Runs in about 4 minutes.
"""
import argparse
import os
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "e2e"))
from conftest import BIN, Hub  # noqa: E402
from modem_sim import ModemSim  # noqa: E402

SEVERITIES = ["critical", "error", "warning", "notice", "info"]


def start(directory, n, send_delay, packing=None):
    sims = {f"gsm-{i}": ModemSim(directory, f"gsm{i}", send_delay=send_delay).start() for i in range(1, n + 1)}
    config = os.path.join(directory, "switchboard.yaml")
    with open(config, "w") as f:
        f.write("connectors:\n")
        for name, sim in sims.items():
            f.write(f"  {name}:\n    engine: modem\n    channels: [sms]\n    device: {sim.device}\n"
                    "    max_in_flight: 1\n    send_timeout: 10s\n    health_interval: 5s\n")
        f.write(textwrap.dedent(f"""\
            channels:
              sms:
                route: [{", ".join(sims)}]
                strategy: spread
            """))
        if packing:
            f.write(f"    packing: {{mode: {packing}}}\n")
    hub = Hub(directory, config=config).start()
    deadline = time.time() + 30
    while hub.logs().count("registered on a network: in the route") < n:
        if time.time() > deadline:
            raise RuntimeError("modems did not register:\n" + hub.logs())
        time.sleep(0.1)
    return hub, hub.session(), sims


def stop(hub, sims):
    hub.stop()
    for sim in sims.values():
        sim.stop()


def post_batch(hub, api, messages):
    r = api.post(f"{hub.url}/api/v1/messages/batch", json={"messages": messages})
    assert r.status_code == 202, r.text


def sent_count(sims):
    return sum(len(s.sent) for s in sims.values())


def throughput(n, per_modem, send_delay):
    with tempfile.TemporaryDirectory(prefix="switchboard-modem-bench-") as d:
        hub, api, sims = start(d, n, send_delay)
        try:
            total = n * per_modem
            began = time.monotonic()
            post_batch(hub, api, [{"to": [f"sms:+4740{i:06}"], "text": f"alert {i}"} for i in range(total)])
            while sent_count(sims) < total:
                if time.monotonic() - began > 120:
                    raise RuntimeError(f"only {sent_count(sims)} of {total} sent in 120 s")
                time.sleep(0.02)
            elapsed = time.monotonic() - began
            shares = sorted(len(s.sent) for s in sims.values())
            assert sent_count(sims) == total and not any(s.errors for s in sims.values())
            return total, elapsed, shares
        finally:
            stop(hub, sims)


def burst(mode, alerts, phones, send_delay):
    with tempfile.TemporaryDirectory(prefix="switchboard-modem-bench-") as d:
        hub, api, sims = start(d, 3, send_delay, packing=mode)
        try:
            messages = [
                {"to": [f"sms:+4791{p:06}"], "text": f"{SEVERITIES[i % 5]}: router gw{i} down at site {i % 37}",
                 "severity": SEVERITIES[i % 5]}
                for i in range(alerts) for p in [i % phones]
            ]
            began = time.monotonic()
            post_batch(hub, api, messages)
            while True:
                pending = api.get(f"{hub.url}/api/v1/queue/recipients?channel=sms").json()["items"]
                if not pending:
                    break
                if time.monotonic() - began > 240:
                    raise RuntimeError(f"still pending after 240 s: {len(pending)} recipients")
                time.sleep(0.05)
            elapsed = time.monotonic() - began
            assert not any(s.errors for s in sims.values())
            texts = [m["decoded"]["text"] for s in sims.values() for m in s.sent]
            carried = sum(t.count("router gw") for t in texts)
            return sent_count(sims), carried, elapsed
        finally:
            stop(hub, sims)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--modems", default="1,3,8")
    p.add_argument("--per-modem", type=int, default=4, help="SMS per modem in each throughput run")
    p.add_argument("--send-delay", type=float, default=2.0, help="seconds each simulated modem takes per SMS")
    p.add_argument("--alerts", type=int, default=1000)
    p.add_argument("--phones", type=int, default=5)
    p.add_argument("--packing", default="nav,segments")
    a = p.parse_args()
    print(f"binary: {BIN}")
    print("| modems | SMS | seconds | SMS/s | SMS per modem |")
    print("| --- | --- | --- | --- | --- |")
    for n in [int(x) for x in a.modems.split(",") if x]:
        total, elapsed, shares = throughput(n, a.per_modem, a.send_delay)
        print(f"| {n} | {total} | {elapsed:.1f} | {total / elapsed:.2f} | {min(shares)}-{max(shares)} |", flush=True)
    print()
    print("| packing | alerts | phones | SMS sent | alerts in them (rest: see web) | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for mode in [m for m in a.packing.split(",") if m]:
        sms, carried, elapsed = burst(mode, a.alerts, a.phones, a.send_delay)
        print(f"| {mode} | {a.alerts} | {a.phones} | {sms} | {carried} | {elapsed:.1f} |", flush=True)


if __name__ == "__main__":
    main()
