"""The `gammu` engine against a real gammu-smsd (files backend, Gammu's dummy phone driver)."""
import os
import tempfile
import textwrap

import pytest

import gammu_smsd
from conftest import Hub, wait_for

pytestmark = pytest.mark.skipif(not gammu_smsd.installed(),
                                reason="gammu-smsd is not installed (scripts/test.sh installs gammu and gammu-smsd)")


@pytest.fixture
def env():
    with tempfile.TemporaryDirectory(prefix="switchboard-gammu-") as d:
        smsd = gammu_smsd.GammuSMSD(d)
        config = os.path.join(d, "switchboard.yaml")
        with open(config, "w") as f:
            f.write("connectors:\n" + smsd.connector_yaml(send_timeout="3s"))
            f.write("  spare:\n    engine: bucket\n    channels: [sms]\n")
            f.write(textwrap.dedent("""\
                channels:
                  sms:
                    route: [gammu, spare]
                    retry: {delay: 1s, jitter: 0s}
                dispatcher:
                  poll_interval: 200ms
                """))
        hub = Hub(d, config=config).start()
        try:
            yield hub, hub.session(), smsd
        finally:
            hub.stop()
            smsd.stop()


def send(hub, api, to, text):
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": [to], "text": text})
    assert r.status_code == 202, r.text
    return r.json()["deliveries"][0]["id"]


def delivery(hub, api, delivery_id):
    return api.get(f"{hub.url}/api/v1/deliveries/{delivery_id}").json()["delivery"]


def test_gammu_smsd_sends_what_the_hub_puts_in_its_outbox(env):
    hub, api, smsd = env
    smsd.start()
    text = "Strømbrudd i Ålesund ☎ 12€ [ring vakta]"
    d = wait_for(lambda: (x := delivery(hub, api, send(hub, api, "sms:+4712345678", text))) and x, what="a delivery")
    sent = wait_for(lambda: (x := delivery(hub, api, d["id"]))["status"] == "sent" and x, what="sent by gammu-smsd")
    assert sent["connector"] == "gammu"
    name = sent["receipt_id"]
    assert name.startswith("OUTA") and "_+4712345678_" in name
    with open(os.path.join(smsd.paths["sent"], name), "rb") as f:
        assert f.read().decode("utf-16") == text
    assert f'Found 1 sms to "+4712345678" with text "{text}"' in smsd.logs()


def test_a_long_message_is_sent_whole(env):
    hub, api, smsd = env
    smsd.start()
    text = "Long alert, part of a longer text that needs more than one SMS. " * 5
    d = send(hub, api, "sms:+4712345678", text)
    wait_for(lambda: delivery(hub, api, d)["status"] == "sent", what="sent")
    logs = smsd.logs()
    assert "Found 3 sms" in logs, logs  # gammu-smsd split it into three parts


def test_received_sms_are_committed_then_deleted_from_gammus_inbox(env):
    hub, api, smsd = env
    smsd.start()
    smsd.arrive("+4798765432", "Water rising at the north gate ☎")
    long_text = "Лодка у моста номер три, нужна помощь, люди на крыше дома. " * 3
    smsd.arrive("+4790000001", long_text)

    def inbox():
        items = api.get(f"{hub.url}/api/v1/inbox?limit=50").json()["items"]
        return {(i["message"]["from"], i["message"]["text"], i["message"]["connector"]) for i in items}

    wait_for(lambda: len(inbox()) >= 2, timeout=30, what="two messages in the inbox")
    assert inbox() == {("sms:+4798765432", "Water rising at the north gate ☎", "gammu"),
                       ("sms:+4790000001", long_text, "gammu")}
    wait_for(lambda: os.listdir(smsd.paths["inbox"]) == [], what="gammu's inbox emptied after the commit")


def test_without_gammu_smsd_the_message_is_taken_back_and_the_route_fails_over(env):
    hub, api, smsd = env  # gammu-smsd is not started
    d = send(hub, api, "sms:+4712345678", "nobody takes this file")
    sent = wait_for(lambda: (x := delivery(hub, api, d))["status"] == "sent" and x, timeout=20, what="sent by the spare")
    assert sent["connector"] == "spare"
    assert [n for n in os.listdir(smsd.paths["outbox"])] == []
    attempts = api.get(f"{hub.url}/api/v1/deliveries/{d}").json()["attempts"]
    assert "did not take the message" in attempts[0]["error"]
