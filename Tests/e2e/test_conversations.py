"""A declared responder end to end against the real binary: the example file's `report`
(what happened → where → how many hurt → confirm yes/no → summary and form), started by its
keyword and answered step by step over the message tester, then over SMS through a real
Kannel with fakesmsc as the phone. Scripted as RapidSMS tests are: `> what the party says`,
`< what the hub answers`."""
import json
import os
import tempfile
import textwrap

import pytest
import yaml

import kannel as kannel_runner
from conftest import Hub, wait_for

EXAMPLE = os.path.join(os.path.dirname(__file__), "../../switchboard.example.yaml")

# The example responder's script; "two" does not fit the integer step and is asked again.
REPORT_SCRIPT = [
    ("report", ["What happened?"]),
    ("Fire in the boathouse", ["Where did it happen?"]),
    ("Harbour", ["How many people are hurt? (a number)"]),
    ("two", ["Please answer with a number from 0 to 1000."]),
    ("2", ["Fire in the boathouse at Harbour, 2 hurt. Is that right? (yes/no)"]),
    ("yes", ["Thank you. Reported: Fire in the boathouse at Harbour, 2 hurt."]),
]


class Party:
    """One party talking to the hub through the message tester; replies are read from what
    the tester bucket sent to the party's address."""

    def __init__(self, hub, api, address):
        self.hub, self.api, self.address = hub, api, address
        self.seen = 0

    def sent(self):
        r = self.api.get(self.hub.url + "/api/v1/tester/sent", params={"connector": "tester", "to": self.address})
        assert r.status_code == 200, r.text
        return [i["text"] for i in r.json()["items"]]

    def say(self, text, expect):
        r = self.api.post(self.hub.url + "/api/v1/tester/inbound", json={"from": self.address, "text": text})
        assert r.status_code == 202, r.text
        want = self.seen + len(expect)
        got = wait_for(lambda: s if len(s := self.sent()) >= want else None, what=f"the answer to {text!r}")
        assert got[self.seen:] == expect, (text, got)
        self.seen = len(got)


def conversations(hub, api, **filters):
    r = api.get(hub.url + "/api/v1/conversations", params=filters)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def incident_forms(hub, api):
    r = api.get(hub.url + "/api/v1/forms")
    assert r.status_code == 200, r.text
    return [f for f in r.json()["items"] if f["form_id"] == "incident-report"]


def test_the_example_report_runs_end_to_end_over_the_tester(data_dir):
    hub = Hub(data_dir, config=EXAMPLE).start()
    try:
        api = hub.session()
        phone = Party(hub, api, "sms:+4712345678")
        for text, answers in REPORT_SCRIPT:
            phone.say(text, answers)
        done = conversations(hub, api, responder="report", address="sms:+4712345678")
        assert [c["status"] for c in done] == ["complete"], done
        detail = api.get(hub.url + f"/api/v1/conversations/{done[0]['id']}").json()
        assert detail["data"] == {"what": "Fire in the boathouse", "place": "Harbour", "hurt": 2, "confirm": True}, detail
        said = [(e["direction"], e["text"]) for e in detail["transcript"]]
        assert said[:2] == [("inbound", "report"), ("outbound", "What happened?")], said
        assert detail["steps"][0] == "_start" and detail["next_step"] is None, detail
        forms = incident_forms(hub, api)
        assert [[(f["path"], f["value"]) for f in form["fields"]] for form in forms] == [
            [("what", "Fire in the boathouse"), ("place", "Harbour"), ("hurt", "2"), ("confirm", "true")]
        ], forms
        # A message after the end is no answer to anything: it goes to the inbox as before.
        r = api.post(hub.url + "/api/v1/tester/inbound", json={"from": "sms:+4712345678", "text": "thanks"})
        assert r.status_code == 202 and r.json()["inbox_item_id"] is not None, r.text
    finally:
        hub.stop()


def test_long_text_the_steps_list_a_no_that_goes_back_and_answers_that_never_fit(data_dir):
    hub = Hub(data_dir, config=EXAMPLE).start()
    try:
        api = hub.session()
        phone = Party(hub, api, "sms:+4798765432")
        phone.say("report", ["What happened?"])
        phone.say("x" * 5000, ["Please answer in at most 160 characters."])
        phone.say("Fire in the boathouse", ["Where did it happen?"])
        phone.say("/list", ["Harbour\nSchool\nTown hall"])  # the step's list, while it waits
        phone.say("Harbour", ["How many people are hurt? (a number)"])
        phone.say("0", ["Fire in the boathouse at Harbour, 0 hurt. Is that right? (yes/no)"])
        phone.say("nei", ["What happened?"])
        phone.say("Flood", ["Where did it happen?"])
        phone.say("School", ["How many people are hurt? (a number)"])
        phone.say("many", ["Please answer with a number from 0 to 1000."])
        phone.say("1001", ["Please answer with a number from 0 to 1000."])
        phone.say("-1", ["The report was cancelled. Send REPORT to start again."])
        ended = conversations(hub, api, responder="report", address="sms:+4798765432")
        assert [c["status"] for c in ended] == ["aborted"], ended
        assert incident_forms(hub, api) == []
    finally:
        hub.stop()


@pytest.mark.skipif(not kannel_runner.installed(), reason="Kannel is not installed (scripts/test.sh installs kannel and kannel-extras)")
def test_the_example_report_runs_end_to_end_over_sms_through_kannel():
    secret = "e2e-conversation-secret-0123456789"
    with tempfile.TemporaryDirectory(prefix="switchboard-conv-kannel-") as d:
        hub = Hub(d, env={"KANNEL_PASSWORD": "kannel-pass-1", "KANNEL_INBOUND_SECRET": secret})
        kannel = kannel_runner.Kannel(d, hub_port=hub.port, secret=secret, password="kannel-pass-1")
        with open(EXAMPLE) as f:
            # BaseLoader keeps every scalar as written ("yes" stays a word, as the hub reads it).
            responders = {"responders": yaml.load(f, Loader=yaml.BaseLoader)["conversations"]["responders"]}
        config = os.path.join(d, "switchboard.yaml")
        with open(config, "w") as f:
            f.write("connectors:\n" + kannel.connector_yaml(timeout="5s"))
            f.write(textwrap.dedent("""\
                channels:
                  sms:
                    route: [kannel]
                """))
            f.write("conversations: " + json.dumps(responders) + "\n")  # JSON is YAML
        hub.config = config
        kannel.start()
        try:
            hub.start()
            try:
                api = hub.session()
                for text, answers in REPORT_SCRIPT:
                    # fakesmsc sends one message per run and stays connected for the answer.
                    kannel.run_fakesmsc(f"4790011223 2222 text {text}")
                    got = wait_for(lambda: r if len(r := [m[3] for m in kannel.received() if m[1] == "+4790011223"]) >= len(answers) else None,
                                   what=f"the SMS answer to {text!r}")
                    assert got == answers, (text, got)
                done = conversations(hub, api, responder="report", connector="kannel")
                assert [(c["status"], c["address"]) for c in done] == [("complete", "sms:+4790011223")], done
                assert len(incident_forms(hub, api)) == 1
            finally:
                hub.stop()
        except BaseException:
            print(kannel.logs())
            raise
        finally:
            kannel.stop()


def test_serve_warns_at_start_of_a_group_a_responder_names_that_does_not_exist(data_dir):
    cfg = os.path.join(data_dir, "switchboard.yaml")
    with open(cfg, "w") as f:
        f.write(textwrap.dedent("""\
            conversations:
              responders:
                roster:
                  steps: [{name: who, prompt: Who?}]
                  lists:
                    team: {group: field-team}
            """))
    hub = Hub(data_dir, config=cfg).start()
    try:
        # The log line is written before the server answers /health.
        assert "conversations.responders.roster.lists.team: group 'field-team' does not exist" in hub.logs(), hub.logs()
        api = hub.session()
        r = api.post(hub.url + "/api/v1/tester/inbound", json={"from": "sms:+4712340000", "text": "/list team"})
        assert r.status_code == 202, r.text
        party = Party(hub, api, "sms:+4712340000")
        wait_for(lambda: party.sent(), what="the answer to /list")
        assert party.sent() == ["The list team cannot be read just now."]
    finally:
        hub.stop()


def test_two_answers_of_one_party_racing_are_taken_one_after_the_other(data_dir):
    """Two gateway callbacks from one phone at the same instant (here two tester requests
    released together): the engine takes them one at a time, so the first answers "what
    happened?", the second "where?", and the conversation is never updated from two places —
    whichever order they reached it in, the transcript, the data and the replies agree."""
    import threading

    hub = Hub(data_dir, config=EXAMPLE).start()
    try:
        api = hub.session()
        phone = Party(hub, api, "sms:+4712345670")
        phone.say("report", ["What happened?"])
        gate = threading.Barrier(2)
        codes = []

        def answer(text):
            session = hub.session()
            gate.wait()
            r = session.post(hub.url + "/api/v1/tester/inbound", json={"from": phone.address, "text": text})
            codes.append(r.status_code)

        threads = [threading.Thread(target=answer, args=(t,)) for t in ("Flooded cellar", "Storgata 5")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert codes == [202, 202], codes
        replies = wait_for(lambda: s if len(s := phone.sent()) >= 3 else None, what="two replies")
        # The two replies are queued in turn order, but the dispatcher may send them in either.
        assert sorted(replies[1:]) == ["How many people are hurt? (a number)", "Where did it happen?"], replies
        [conversation] = conversations(hub, api, responder="report", address=phone.address)
        detail = api.get(hub.url + f"/api/v1/conversations/{conversation['id']}").json()
        said = [(e["direction"], e["text"]) for e in detail["transcript"]]
        first, second = said[2][1], said[4][1]
        assert {first, second} == {"Flooded cellar", "Storgata 5"}, said
        assert said == [
            ("inbound", "report"),
            ("outbound", "What happened?"),
            ("inbound", first),
            ("outbound", "Where did it happen?"),
            ("inbound", second),
            ("outbound", "How many people are hurt? (a number)"),
        ], said
        assert detail["data"] == {"what": first, "place": second}, detail
        assert detail["status"] == "ongoing" and detail["next_step"] == "hurt", detail
    finally:
        hub.stop()
