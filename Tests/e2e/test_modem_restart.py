"""Status reports that come after a hub restart: the `+CMGS` references are kept in the store
before a send counts as sent, so a report the simulated modem hands up after the hub was
stopped (SIGTERM) or killed (SIGKILL) and started again still makes its delivery delivered or
failed. Run against the real binary and `modem_sim.py`."""
import os
import signal
import tempfile

import pytest

from conftest import Hub
from modem_sim import ModemSim
from modem_watch import forget_watched, wait_for, watch  # noqa: F401 - forget_watched is an autouse fixture
from test_modem import delivery, send, start


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="switchboard-modem-restart-") as d:
        yield d


def restarted(first, workdir, sig):
    """Stops `first` with `sig` and starts the hub again on the same data and configuration."""
    password = first.admin_password()
    first.stop(sig=sig)
    hub = watch(Hub(workdir, config=os.path.join(workdir, "switchboard.yaml")).start())
    api = hub.session(password=password)
    wait_for(lambda: "registered on a network: in the route" in hub.logs(), what="the modem registered after the restart")
    return hub, api


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_status_reports_after_a_restart_make_deliveries_delivered_or_failed(workdir, sig):
    sim = ModemSim(workdir, "gsm1").start()
    sim.hold_reports = True
    sim.report_status["+4711111111"] = 0x41  # incompatible destination: failed for good
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1"])
    try:
        wait_for(lambda: "registered on a network" in hub.logs(), what="the modem to be registered")
        long_text = "Dam level critical at the north gate; evacuate the lower valley now. " * 6  # three parts
        long_id = send(hub, api, "sms:+4712345678", long_text)
        short_id = send(hub, api, "sms:+4798765432", "water rising")
        failing_id = send(hub, api, "sms:+4711111111", "to a number that cannot get it")
        for d in (long_id, short_id, failing_id):
            wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "sent", what="sent by the modem")
        wait_for(lambda: len(sim.held) == 5, what="five status reports held back by the modem")
        assert delivery(hub, api, long_id)["attempts"][0]["receipt_id"].count(",") == 2  # three references

        hub, api = restarted(hub, workdir, sig)
        assert sim.release_reports() == 5
        wait_for(lambda: delivery(hub, api, long_id)["delivery"]["status"] == "delivered", what="the long SMS delivered")
        wait_for(lambda: delivery(hub, api, short_id)["delivery"]["status"] == "delivered", what="the short SMS delivered")
        wait_for(lambda: delivery(hub, api, failing_id)["delivery"]["status"] == "failed", what="the failed one failed")
        history = api.get(f"{hub.url}/api/v1/deliveries/{failing_id}").json()
        assert "TP-ST 0x41" in history["delivery"]["last_error"], history
    finally:
        hub.stop()
        sim.stop()
        assert not sim.errors, sim.errors


def test_reports_stored_on_the_sim_while_the_hub_was_down_are_read_and_matched_at_start(workdir):
    sim = ModemSim(workdir, "gsm1").start()
    sim.hold_reports = True
    sim.reports_stored = True  # AT+CNMI ds=2: reports are stored on the SIM and announced with +CDSI
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1"])
    try:
        wait_for(lambda: "registered on a network" in hub.logs(), what="the modem to be registered")
        d = send(hub, api, "sms:+4712345678", "reported while the hub was down")
        wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "sent", what="sent by the modem")
        wait_for(lambda: len(sim.held) == 1, what="the report held back")
        password = hub.admin_password()
        hub.stop()
        assert sim.release_reports() == 1  # stored on the SIM; its +CDSI reaches nobody
        hub = watch(Hub(workdir, config=os.path.join(workdir, "switchboard.yaml")).start())
        api = hub.session(password=password)
        wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "delivered", what="delivered from the stored report")
        wait_for(lambda: sim.stored_count() == 0, what="the stored report deleted")
    finally:
        hub.stop()
        sim.stop()
        assert not sim.errors, sim.errors


def test_a_hub_killed_while_the_modem_waits_for_the_pdu_leaves_it_usable_after_the_restart(workdir):
    sim = ModemSim(workdir, "gsm1").start()
    sim.prompt_delay = 3  # the hub is killed between AT+CMGS and the `> `; the modem then waits for the PDU
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1"])
    try:
        wait_for(lambda: "registered on a network" in hub.logs(), what="the modem to be registered")
        d = send(hub, api, "sms:+4712345678", "sent across a crash")
        wait_for(lambda: any(c.startswith("AT+CMGS=") for c in sim.commands), what="the send to start")
        sim.prompt_delay = None
        hub, api = restarted(hub, workdir, signal.SIGKILL)
        # Start-up's ESC abandoned the PDU the modem waited for, so ATE0 was a command again.
        assert sim.cancelled == 1
        wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "delivered", what="sent again and delivered")
        assert [s["decoded"]["text"] for s in sim.sent] == ["sent across a crash"]
    finally:
        hub.stop()
        sim.stop()
        assert not sim.errors, sim.errors
