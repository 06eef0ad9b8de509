"""The `kannel` connector against a real Kannel (bearerbox + smsbox, with Kannel's fakesmsc as
the SMSC): sending with delivery reports, inbound SMS, XForms submissions, and the secret."""
import os
import tempfile
import textwrap
import urllib.parse

import pytest
import requests

import kannel as kannel_runner
from conftest import Hub, wait_for

pytestmark = pytest.mark.skipif(not kannel_runner.installed(),
                                reason="Kannel is not installed (scripts/test.sh installs kannel and kannel-extras)")

SECRET = "e2e-kannel-secret-0123456789"


def hub_config(path, kannel):
    path.write("connectors:\n" + kannel.connector_yaml(timeout="5s") + textwrap.dedent("""\
        channels:
          sms:
            route: [kannel]
        dispatcher:
          poll_interval: 200ms
        """))


@pytest.fixture(scope="module")
def env():
    with tempfile.TemporaryDirectory(prefix="switchboard-kannel-") as d:
        hub = Hub(d, env={"KANNEL_PASSWORD": "kannel-pass-1", "KANNEL_INBOUND_SECRET": SECRET})
        kannel = kannel_runner.Kannel(d, hub_port=hub.port, secret=SECRET, password="kannel-pass-1")
        config = os.path.join(d, "switchboard.yaml")
        with open(config, "w") as f:
            hub_config(f, kannel)
        hub.config = config
        kannel.start()
        try:
            hub.start()
            try:
                yield hub, kannel, hub.session()
            finally:
                hub.stop()
        except BaseException:
            print(kannel.logs())
            raise
        finally:
            kannel.stop()


def delivery(hub, api, delivery_id):
    return api.get(f"{hub.url}/api/v1/deliveries/{delivery_id}").json()


def inbox_texts(hub, api):
    return [item["message"]["text"] for item in api.get(f"{hub.url}/api/v1/inbox?limit=200").json()["items"]]


def test_a_message_reaches_the_phone_and_kannels_reports_make_it_delivered(env):
    hub, kannel, api = env
    kannel.run_fakesmsc(count=0)
    text = "Road closed at km 12 & bridge #3 (50% done)"
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": ["sms:+4712345678"], "text": text})
    assert r.status_code == 202, r.text
    delivery_id = r.json()["deliveries"][0]["id"]

    got = wait_for(lambda: [m for m in kannel.received() if m[3] == text], what="the SMS at fakesmsc")
    assert got[0][:3] == ("Switchboard", "+4712345678", "text")

    history = wait_for(lambda: (h := delivery(hub, api, delivery_id))["delivery"]["status"] == "delivered" and h,
                       what="the delivery to become delivered")
    changes = [(c["from"], c["to"], c["actor"], c["reason"]) for c in history["status_changes"]]
    # fakesmsc acknowledges (DLR 8) and reports delivery (DLR 1); Kannel calls back for both at
    # once, so the acknowledgement is noted (status unchanged) only if it came first.
    delivered = [c for c in changes if c[:3] == ("sent", "delivered", "connector:kannel")]
    assert len(delivered) == 1 and "DLR 1" in delivered[0][3], changes
    assert all(c[:3] == ("sent", "sent", "connector:kannel") and "DLR 8" in c[3] for c in changes if c not in delivered), changes
    assert history["attempts"][0]["outcome"] == "sent"

    # Kannel may repeat a report: the same report again changes nothing.
    again = requests.get(f"{hub.url}/api/v1/connectors/kannel/dlr",
                         params={"delivery": delivery_id, "status": "1", "detail": "", "secret": SECRET})
    assert again.status_code == 200 and again.json()["status"] == "delivered"
    assert len(delivery(hub, api, delivery_id)["status_changes"]) == len(changes)


def test_text_outside_gsm_goes_as_ucs2(env):
    hub, kannel, api = env
    kannel.run_fakesmsc(count=0)
    text = "Snø og is ☃ – kom 😀"
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": ["sms:+4712345679"], "text": text})
    assert r.status_code == 202, r.text
    got = wait_for(lambda: [m for m in kannel.received() if m[1] == "+4712345679"], what="the UCS-2 SMS at fakesmsc")
    assert got[0][2:] == ("ucs-2", text)


def test_an_sms_from_a_phone_reaches_the_inbox_and_nothing_is_echoed(env):
    hub, kannel, api = env
    withheld = kannel.replies_withheld()
    kannel.run_fakesmsc("4798765432 2222 text On my way, ETA 10 min")
    item = wait_for(lambda: [i for i in api.get(f"{hub.url}/api/v1/inbox").json()["items"]
                             if i["message"]["text"] == "On my way, ETA 10 min"], what="the MO in the inbox")[0]
    assert item["message"]["from"] == "sms:+4798765432"
    assert item["message"]["connector"] == "kannel"
    assert item["message"]["to"] == "sms:2222"  # the hub's short code, kept as given

    utf16 = urllib.parse.quote_from_bytes("Blåbær 👍".encode("utf-16-be"))
    kannel.run_fakesmsc(f"+4798765433 +4790000000 ucs2 {utf16}")
    item = wait_for(lambda: [i for i in api.get(f"{hub.url}/api/v1/inbox").json()["items"]
                             if i["message"]["from"] == "sms:+4798765433"], what="the UCS-2 MO in the inbox")[0]
    assert item["message"]["text"] == "Blåbær 👍"
    assert item["message"]["to"] == "sms:+4790000000"
    # smsbox has dealt with both answers and withheld them, so anything it would echo is gone by now.
    wait_for(lambda: kannel.replies_withheld() >= withheld + 2, what="smsbox to finish with both answers")
    assert kannel.received() == [], "Kannel sent the hub's answer back to the phone"


def test_sms_from_a_short_code_or_a_sender_name_reaches_the_inbox(env):
    hub, kannel, api = env
    for sender, text in [("555123", "Your code is 4711"), ("Telenor", "Fakturaen er klar"), ("26112", "Saldo 100")]:
        kannel.run_fakesmsc(f"{sender} 2222 text {text}")  # one run each: fakesmsc picks among its messages at random
        item = wait_for(lambda: [i for i in api.get(f"{hub.url}/api/v1/inbox?limit=200").json()["items"]
                                 if i["message"]["text"] == text], what=f"the MO from {sender} in the inbox")[0]
        assert item["message"]["from"] == f"sms:{sender}"
        assert item["message"]["connector"] == "kannel"


def test_a_reply_to_a_sender_name_fails_for_good_saying_why(env):
    hub, kannel, api = env
    kannel.run_fakesmsc(count=0)
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": ["sms:Telenor", "sms:+4712345680"], "text": "Takk"})
    assert r.status_code == 202, r.text
    name_id, phone_id = (d["id"] for d in r.json()["deliveries"])
    failed = wait_for(lambda: (d := delivery(hub, api, name_id)["delivery"])["status"] == "failed" and d,
                      what="the delivery to the sender name to fail")
    assert "sms:Telenor is a sender name" in failed["last_error"] and "cannot receive SMS" in failed["last_error"]
    # The phone in the same message gets it; only that one reached the SMSC.
    wait_for(lambda: [m for m in kannel.received() if m[1] == "+4712345680"], what="the SMS to the phone")
    wait_for(lambda: delivery(hub, api, phone_id)["delivery"]["status"] in ("sent", "delivered"), what="the phone's delivery to be sent")
    assert [m for m in kannel.received() if m[1] == "Telenor"] == []


def test_an_xforms_sms_becomes_a_form_submission(env):
    hub, kannel, api = env
    xml = ('<data id="household_survey" version="3"><name>Kari Nordmann</name><members>4</members>'
           '<location><lat>59.9</lat><lon>10.7</lon></location></data>')
    kannel.run_fakesmsc(f"4798765434 2222 text {xml}")
    forms = wait_for(lambda: api.get(f"{hub.url}/api/v1/forms?form_id=household_survey").json()["items"],
                     what="the form submission")
    form = forms[0]
    assert form["version"] == "3" and form["error"] is None
    assert [(f["path"], f["value"]) for f in form["fields"]] == [
        ("name", "Kari Nordmann"), ("members", "4"), ("location/lat", "59.9"), ("location/lon", "10.7")]
    assert api.get(f"{hub.url}/api/v1/forms/{form['id']}").json() == form
    # The message itself is in the inbox too, as it came, naming its submission.
    assert xml in inbox_texts(hub, api)
    [item] = [i for i in api.get(f"{hub.url}/api/v1/inbox?limit=200").json()["items"] if i["message"]["id"] == form["message_id"]]
    assert item["form_submission_id"] == form["id"]
    by_message = api.get(f"{hub.url}/api/v1/forms", params={"message_id": form["message_id"]}).json()["items"]
    assert [f["id"] for f in by_message] == [form["id"]]

    kannel.run_fakesmsc('4798765434 2222 text <data id="household_survey"><name>Kari</data>')
    broken = wait_for(lambda: [f for f in api.get(f"{hub.url}/api/v1/forms").json()["items"] if f["error"]],
                      what="the malformed submission")[0]
    assert broken["fields"] == [] and "not well-formed" in broken["error"]
    assert '<data id="household_survey"><name>Kari</data>' in inbox_texts(hub, api)


def test_a_wrong_secret_is_refused_and_nothing_is_stored(env):
    hub, kannel, api = env
    before = inbox_texts(hub, api)
    withheld = kannel.replies_withheld()
    # Through Kannel: the `wrongsecret` service calls the hub with a secret that is not the connector's.
    kannel.run_fakesmsc("4798765435 2222 text wrongsecret let me in")
    smsbox_log = os.path.join(kannel.dir, "smsbox.log")
    wait_for(lambda: "401 Unauthorized" in open(smsbox_log, errors="replace").read(), what="Kannel to be refused")
    # The hub answered 401 without storing anything; smsbox finishing with that answer is the
    # event after which nothing more can come of this message.
    wait_for(lambda: kannel.replies_withheld() >= withheld + 1, what="smsbox to finish with the refusal")
    assert inbox_texts(hub, api) == before
    assert kannel.received() == [], "Kannel told the phone about the refusal"

    # As Kannel would call: wrong secret, no secret, header, unknown connector.
    url = f"{hub.url}/api/v1/connectors/kannel/inbound"
    params = {"from": "+4798765435", "to": "2222", "text": "let me in"}
    wrong = requests.get(url, params=dict(params, secret="x" * len(SECRET)))
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    assert requests.get(url, params=params).status_code == 401
    assert requests.post(url, data=params, headers={"X-Switchboard-Secret": "nope"}).status_code == 401
    assert requests.get(f"{hub.url}/api/v1/connectors/nosuch/inbound", params=dict(params, secret=SECRET)).status_code == 404
    bad_dlr = requests.get(f"{hub.url}/api/v1/connectors/kannel/dlr", params={"delivery": "x", "status": "1", "secret": "nope"})
    assert bad_dlr.status_code == 401
    assert inbox_texts(hub, api) == before

    # The right secret, as a header with a form POST, works.
    ok = requests.post(url, data=params, headers={"X-Switchboard-Secret": SECRET})
    assert ok.status_code == 200 and ok.text == "" and ok.headers["X-Switchboard-Message-Id"]


def test_every_refused_callback_is_logged_at_warning_with_its_reason(env):
    hub, kannel, api = env
    url = f"{hub.url}/api/v1/connectors/kannel/inbound"
    bad = requests.get(url, params={"secret": SECRET, "from": "Tele\x01nor", "text": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_from"
    assert requests.get(url, params={"from": "+4798765436", "text": "x"}).status_code == 401

    def refusals():
        return [line for line in hub.logs().splitlines() if "gateway inbound message refused" in line]
    lines = wait_for(lambda: len(refusals()) >= 2 and refusals(), what="the refusals in the log")
    assert all(" warning " in line and "reason=" in line for line in lines), lines
    assert any("code=invalid_from" in line and "control character" in line for line in lines), lines
    assert any("status=401" in line and "secret is missing" in line for line in lines), lines
    assert all(SECRET not in line for line in hub.logs().splitlines())
