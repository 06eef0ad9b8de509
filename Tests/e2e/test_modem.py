"""The `modem` engine through the real binary against simulated GSM modems on pseudo-terminals
(`modem_sim.py`): every PDU the hub sends is decoded by smspdudecoder, every PDU it receives
was made with python-gsmmodem-new's encoders."""
import os
import tempfile
import textwrap

import pytest

from conftest import Hub
from modem_sim import ModemSim, deliver_pdus
from modem_watch import forget_watched, wait_for, watch  # noqa: F401 - forget_watched is an autouse fixture


def modem_yaml(name, sim, **extra):
    keys = dict(engine="modem", channels="[sms]", device=sim.device, command_timeout="2s", send_timeout="5s",
                health_interval="1s", reopen_delay="300ms", concat_timeout="3s", max_in_flight="1")
    keys.update(extra)
    return f"  {name}:\n" + "".join(f"    {k}: {v}\n" for k, v in keys.items())


def start(directory, sims, route, env=None, strategy="failover", **extra):
    config = os.path.join(directory, "switchboard.yaml")
    with open(config, "w") as f:
        f.write("connectors:\n" + "".join(modem_yaml(n, s, **extra) for n, s in sims.items()))
        f.write("  spare:\n    engine: bucket\n    channels: [sms]\n")
        f.write(textwrap.dedent(f"""\
            channels:
              sms:
                route: [{", ".join(route)}]
                strategy: {strategy}
                retry: {{delay: 1s, jitter: 0s}}
            dispatcher:
              poll_interval: 200ms
            """))
    watch(*sims.values())
    hub = watch(Hub(directory, config=config, env=env).start())
    return hub, hub.session()


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="switchboard-modem-") as d:
        yield d


@pytest.fixture
def one(workdir):
    sim = ModemSim(workdir, "gsm1").start()
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1", "spare"])
    try:
        wait_for(lambda: "registered on a network" in hub.logs(), what="the modem to be registered")
        yield hub, api, sim
    finally:
        hub.stop()
        sim.stop()
        assert not sim.errors, sim.errors


def send(hub, api, to, text):
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": [to], "text": text})
    assert r.status_code == 202, r.text
    return r.json()["deliveries"][0]["id"]


def delivery(hub, api, delivery_id):
    return api.get(f"{hub.url}/api/v1/deliveries/{delivery_id}").json()


def inbox(hub, api):
    return [(i["message"]["from"], i["message"]["text"], i["message"]["connector"])
            for i in api.get(f"{hub.url}/api/v1/inbox?limit=200").json()["items"]]


def test_an_sms_goes_out_as_a_pdu_an_independent_decoder_reads_and_its_status_report_makes_it_delivered(one):
    hub, api, sim = one
    text = "Pump 3 stopped: pressure 12€ [limit 10] ~ call {ops}"
    delivery_id = send(hub, api, "sms:+4712345678", text)
    sent = wait_for(lambda: sim.sent, what="the SMS at the modem")
    assert len(sent) == 1
    d = sent[0]["decoded"]
    assert (d["to"], d["text"], d["encoding"], d["status_report"], d["concat"]) == ("+4712345678", text, "gsm", True, None)
    history = wait_for(lambda: (h := delivery(hub, api, delivery_id))["delivery"]["status"] == "delivered" and h,
                       what="the status report to make it delivered")
    assert history["attempts"][0]["connector"] == "gsm-1"
    assert history["attempts"][0]["receipt_id"] == str(sent[0]["mr"])


def test_ucs2_and_long_messages_are_split_with_a_header_and_delivered_when_every_part_is(one):
    hub, api, sim = one
    text = "Ærlig talt – strømbrudd på Ålesund sykehus ☎ ring vakta nå, så fort som mulig, takk. " * 2
    delivery_id = send(hub, api, "sms:+4798765432", text)
    sent = wait_for(lambda: len(sim.sent) >= 3 and sim.sent, what="three parts at the modem")
    parts = [s["decoded"] for s in sent]
    assert all(p["encoding"] == "ucs2" and p["to"] == "+4798765432" for p in parts)
    assert [p["concat"]["part_number"] for p in parts] == [1, 2, 3]
    assert {(p["concat"]["reference"], p["concat"]["parts_count"]) for p in parts} == {(parts[0]["concat"]["reference"], 3)}
    assert "".join(p["text"] for p in parts) == text
    wait_for(lambda: delivery(hub, api, delivery_id)["delivery"]["status"] == "delivered", what="delivered")


def test_status_reports_stored_on_the_modem_are_read_matched_and_deleted(one):
    hub, api, sim = one
    sim.reports_stored = True  # AT+CNMI ds=2: +CDSI and a read instead of +CDS
    delivery_id = send(hub, api, "sms:+4712345678", "reported through storage")
    wait_for(lambda: delivery(hub, api, delivery_id)["delivery"]["status"] == "delivered", what="delivered")
    assert any(c.startswith("AT+CMGR=") for c in sim.commands)
    wait_for(lambda: sim.stored_count() == 0, what="the stored report deleted")


def test_a_failed_status_report_fails_the_delivery(one):
    hub, api, sim = one
    sim.report_status["+4711111111"] = 0x41  # incompatible destination: permanent
    delivery_id = send(hub, api, "sms:+4711111111", "to a number that cannot get it")
    wait_for(lambda: delivery(hub, api, delivery_id)["delivery"]["status"] == "failed", what="failed")


def test_received_sms_land_in_the_inbox_and_are_deleted_from_the_modem_only_after(one):
    hub, api, sim = one
    sim.receive(deliver_pdus("+4798765432", "Water is rising at the north gate"))
    sim.receive(deliver_pdus("InfoAlert", "Your code is 1234"))
    long_text = "Привет из района наводнения, нужна помощь у моста номер три, срочно. " * 2
    pdus = deliver_pdus("+4790000001", long_text, reference=77)
    assert len(pdus) == 3
    sim.receive(pdus, order=[2, 0, 1])  # out of order
    got = wait_for(lambda: len(inbox(hub, api)) >= 3 and inbox(hub, api), what="three messages in the inbox")
    assert set(got) == {("sms:+4798765432", "Water is rising at the north gate", "gsm-1"),
                        ("sms:InfoAlert", "Your code is 1234", "gsm-1"),
                        ("sms:+4790000001", long_text, "gsm-1")}
    wait_for(lambda: sim.stored_count() == 0, what="the modem's storage to be emptied")


def test_a_long_sms_missing_a_part_is_handed_on_after_the_timeout_with_what_came(one):
    hub, api, sim = one
    pdus = deliver_pdus("+4790000002", "first part. " * 20, reference=9)
    assert len(pdus) == 2
    sim.receive(pdus[:1])
    got = wait_for(lambda: inbox(hub, api), timeout=20, what="the incomplete message in the inbox")
    assert got[0][1] == ("first part. " * 20)[:len(got[0][1]) - 1] + "…"
    assert "parts of a long SMS never came" in hub.logs()


def test_unsolicited_codes_inside_answers_and_garbage_lose_nothing(one):
    hub, api, sim = one
    bad = deliver_pdus("+4790000003", "this one is broken")[0]
    index = sim.store([(bad[0][:-2], bad[1])])[0]  # a PDU one octet short
    good = deliver_pdus("+4790000004", "this one is fine")
    good_index = sim.store(good)[0]
    sim.mid_answer = [f'+CMTI: "SM",{good_index}', "+CREG: 1", "RING"]
    sim.urc("\x07#garbage line")
    delivery_id = send(hub, api, "sms:+4712345678", "sent while codes fly")
    wait_for(lambda: delivery(hub, api, delivery_id)["delivery"]["status"] == "delivered", what="delivered")
    wait_for(lambda: ("sms:+4790000004", "this one is fine", "gsm-1") in inbox(hub, api), what="the good message")
    logs = wait_for(lambda: "unreadable PDU" in hub.logs() and hub.logs(), what="the bad PDU logged")
    assert any("unreadable PDU" in line and "wrongLength" in line for line in logs.splitlines()), logs
    # The garbage is logged as an unexpected line, or, when it fell inside the answer to the
    # periodic AT+CMGL=4 (1 run in 10), as an unreadable line of that list: logged either way.
    wait_for(lambda: any("warning" in line and "#garbage line" in line for line in hub.logs().splitlines()),
             what="the garbage line logged")
    assert index in sim.storage  # kept for a person to look at
    assert len(inbox(hub, api)) == 1


def test_sim_messages_waiting_at_start_are_read(workdir):
    sim = ModemSim(workdir, "gsm1").start()
    sim.store(deliver_pdus("+4798765432", "sent while the hub was down"), stat=0)
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1"])
    try:
        wait_for(lambda: ("sms:+4798765432", "sent while the hub was down", "gsm-1") in inbox(hub, api), what="the waiting SMS")
        wait_for(lambda: sim.stored_count() == 0, what="deleted after commit")
    finally:
        hub.stop()
        sim.stop()


def test_an_unregistered_modem_is_out_of_the_route_until_it_is_back(one):
    hub, api, sim = one
    sim.registration = 0
    wait_for(lambda: "not registered on a network" in hub.logs(), what="the modem to notice")
    first = send(hub, api, "sms:+4712345678", "while the modem has no network")
    h = wait_for(lambda: (h := delivery(hub, api, first))["delivery"]["status"] == "sent" and h, what="sent by the spare")
    assert h["delivery"]["connector"] == "spare"
    assert "not registered" in h["attempts"][0]["error"]
    sim.registration = 5  # roaming counts
    wait_for(lambda: hub.logs().count("registered on a network: in the route") >= 2, what="back in the route")
    second = send(hub, api, "sms:+4712345678", "the modem is back")
    wait_for(lambda: delivery(hub, api, second)["delivery"]["status"] == "delivered", what="delivered by the modem")
    assert [s["decoded"]["text"] for s in sim.sent] == ["the modem is back"]


def test_a_modem_that_stops_answering_is_reopened_and_a_send_fails_over_meanwhile(one):
    hub, api, sim = one
    sim.silent = True
    first = send(hub, api, "sms:+4712345678", "into the silence")
    h = wait_for(lambda: (h := delivery(hub, api, first))["delivery"]["status"] == "sent" and h, timeout=30,
                 what="sent by the spare after the modem timed out")
    assert h["delivery"]["connector"] == "spare"
    assert "did not answer" in hub.logs()
    sim.silent = False
    # Reopened is not yet sendable: the modem is back in the route once its first health check
    # finds it registered (a send before that fails over to the spare, as it should).
    wait_for(lambda: "registered on a network: in the route" in hub.logs().split("did not answer", 1)[1], timeout=20,
             what="the modem reopened and registered")
    second = send(hub, api, "sms:+4712345678", "after the silence")
    wait_for(lambda: delivery(hub, api, second)["delivery"]["status"] == "delivered", timeout=20, what="delivered by the modem")


def test_the_pin_comes_from_the_environment_and_is_never_logged(workdir):
    sim = ModemSim(workdir, "gsm1", pin="2468").start()
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1"], env={"MODEM_PIN": "2468"}, pin_env="MODEM_PIN")
    try:
        wait_for(lambda: "modem ready" in hub.logs(), what="start-up with the PIN")
        assert 'AT+CPIN="2468"' in sim.commands
        assert "2468" not in hub.logs()
    finally:
        hub.stop()
        sim.stop()


def test_three_modems_at_once_each_sending_and_receiving(workdir):
    sims = {f"gsm-{i}": ModemSim(workdir, f"gsm{i}").start() for i in (1, 2, 3)}
    hub, api = start(workdir, sims, ["gsm-1", "gsm-2", "gsm-3"])
    try:
        wait_for(lambda: hub.logs().count("registered on a network: in the route") >= 3, what="three modems registered")
        for i, sim in enumerate(sims.values(), start=1):
            sim.receive(deliver_pdus(f"+47900000{i}0", f"hello from modem {i}"))
        wait_for(lambda: len(inbox(hub, api)) == 3, what="one message from each modem")
        assert {(m[1], m[2]) for m in inbox(hub, api)} == {(f"hello from modem {i}", f"gsm-{i}") for i in (1, 2, 3)}
        # Modems 1 and 2 lose the network: the route fails over to modem 3.
        sims["gsm-1"].registration = 0
        sims["gsm-2"].registration = 2
        wait_for(lambda: hub.logs().count("not registered on a network") >= 2, what="two modems out")
        ids = [send(hub, api, "sms:+4712345678", f"alert {n}") for n in range(3)]
        for d in ids:
            wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "delivered", what="delivered")
            assert delivery(hub, api, d)["delivery"]["connector"] == "gsm-3"
        assert sorted(s["decoded"]["text"] for s in sims["gsm-3"].sent) == ["alert 0", "alert 1", "alert 2"]
    finally:
        hub.stop()
        for sim in sims.values():
            sim.stop()


def test_a_modem_unplugged_mid_send_fails_over_and_is_opened_again_when_it_is_back(one):
    hub, api, sim = one
    sim.send_delay = 2  # the send is under way when the modem goes
    first = send(hub, api, "sms:+4712345678", "cut off mid-command")
    wait_for(lambda: any(c.startswith("AT+CMGS=") for c in sim.commands), what="the send to start")
    sim.unplug()
    h = wait_for(lambda: (h := delivery(hub, api, first))["delivery"]["status"] == "sent" and h, timeout=30,
                 what="sent by the spare")
    assert h["delivery"]["connector"] == "spare"
    assert "the modem went away" in hub.logs() or "did not answer" in hub.logs()
    wait_for(lambda: "could not be opened" in hub.logs(), what="attempts to open it again")
    sim.send_delay = 0.05
    sim.start()  # plugged in again at the same path
    wait_for(lambda: hub.logs().count("modem ready") >= 2, timeout=20, what="the modem opened again")
    second = send(hub, api, "sms:+4712345678", "plugged in again")
    wait_for(lambda: delivery(hub, api, second)["delivery"]["status"] == "delivered", timeout=20, what="delivered by the modem")


def test_a_wrong_pin_stops_the_modem_without_retrying_so_the_sim_is_not_locked(workdir):
    sim = ModemSim(workdir, "gsm1", pin="2468").start()
    hub, api = start(workdir, {"gsm-1": sim}, ["gsm-1", "spare"], env={"MODEM_PIN": "1111"}, pin_env="MODEM_PIN")
    try:
        wait_for(lambda: "will not be retried" in hub.logs(), what="the start-up to stop")
        d = send(hub, api, "sms:+4712345678", "the modem cannot start")
        wait_for(lambda: delivery(hub, api, d)["delivery"]["connector"] == "spare", what="sent by the spare")
        assert [c for c in sim.commands if c.startswith("AT+CPIN=")] == ['AT+CPIN="1111"']
        assert "1111" not in hub.logs()
    finally:
        hub.stop()
        sim.stop()


def test_three_slow_modems_on_a_spread_route_send_in_parallel_each_sms_once(workdir):
    sims = {f"gsm-{i}": ModemSim(workdir, f"gsm{i}", send_delay=1.0).start() for i in (1, 2, 3)}
    hub, api = start(workdir, sims, ["gsm-1", "gsm-2", "gsm-3"], strategy="spread")
    try:
        wait_for(lambda: hub.logs().count("registered on a network: in the route") >= 3, what="three modems registered")
        ids = [send(hub, api, f"sms:+4712345{n:03}", f"alert {n}") for n in range(9)]
        for d in ids:
            wait_for(lambda: delivery(hub, api, d)["delivery"]["status"] == "delivered", timeout=30, what="delivered")
        by_modem = {name: sorted(s["decoded"]["text"] for s in sim.sent) for name, sim in sims.items()}
        # Each SMS left exactly once, and every modem took a share (with failover gsm-1 takes all).
        assert sorted(t for texts in by_modem.values() for t in texts) == sorted(f"alert {n}" for n in range(9))
        assert all(by_modem.values()), by_modem
        connectors = {delivery(hub, api, d)["delivery"]["connector"] for d in ids}
        assert connectors == set(sims), connectors
    finally:
        hub.stop()
        for sim in sims.values():
            sim.stop()


def test_a_send_without_a_prompt_in_time_is_abandoned_with_esc_so_the_modem_takes_commands_again(one):
    hub, api, sim = one
    sim.prompt_delay = 6  # the `> ` comes after send_timeout (5s): the hub gives up on the send
    first = send(hub, api, "sms:+4712345678", "no prompt in time")
    h = wait_for(lambda: (h := delivery(hub, api, first))["delivery"]["status"] == "sent" and h, timeout=30,
                 what="sent by the spare after the modem timed out")
    assert h["delivery"]["connector"] == "spare"
    # The modem got ESC after its late prompt, not the next opener's ATE0 as the PDU
    # (the fixture fails on any error the simulator recorded).
    wait_for(lambda: sim.cancelled == 1, what="the send abandoned with ESC")
    sim.prompt_delay = None
    wait_for(lambda: "registered on a network: in the route" in hub.logs().split("did not answer", 1)[1], timeout=20,
             what="the modem reopened and registered")
    second = send(hub, api, "sms:+4712345678", "after the abandoned send")
    wait_for(lambda: delivery(hub, api, second)["delivery"]["status"] == "delivered", timeout=20, what="delivered by the modem")
    assert [s["decoded"]["text"] for s in sim.sent] == ["after the abandoned send"]
