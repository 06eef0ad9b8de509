"""Conversations over XMPP end to end (README "Conversations", "Declared responders", "XMPP"):
slixmpp clients play people talking to the declared `report` responder through a real Prosody;
the hub learns their presence through the roster subscription the connector approves, so a
client that goes offline mid-conversation starts the sign-out deadline."""
import re
import textwrap

from conftest import wait_for
from prosody import Human, hub_on, prosody_server  # noqa: F401 - prosody_server is the fixture `prosody`

HUB = "hub@localhost"
KARI = "xmpp:kari@localhost"
OLA = "xmpp:ola@localhost"

REPORT = """\
report:
  summary: Report an incident step by step
  keywords: [report]
  steps:
    - name: what
      prompt: What happened?
      expect: text
      max_length: 160
    - name: where
      prompt: Where did it happen?
      list: places
      save_as: place
    - name: hurt
      prompt: How many people are hurt? (a number)
      expect: integer
      min: 0
      max: 1000
      invalid: Please answer with a number from 0 to 1000.
    - name: confirm
      prompt: "{{what}} at {{place}}, {{hurt}} hurt. Is that right? (yes/no)"
      expect: yes_no
      yes_words: [ja]
      next: {yes: end, no: what}
  lists:
    places:
      options: [Harbour, School, Town hall]
  on_complete:
    summary: "Thank you. Reported: {{what}} at {{place}}, {{hurt}} hurt."
    form: incident-report
"""


def start_hub(tmp_path, prosody, conversations=""):
    sections = "conversations:\n  sweep_interval: 1s\n" + textwrap.indent(textwrap.dedent(conversations), "  ")
    return hub_on(tmp_path, prosody, connector="subscriptions: everyone\n",
                  sections=sections + "  responders:\n" + textwrap.indent(REPORT, "    "))


def online(prosody, user):
    """A person logged in whose presence the hub receives: they asked to see the hub's
    presence, the hub approved and asked back, and their client approved that. Their client
    sent the approval before anything they say next, so Prosody hands the hub their presence
    before their first message."""
    person = Human(prosody, user, f"{user}-secret")
    person.subscribe(HUB)
    assert person.next_presence() == ("subscribed", HUB)
    wait_for(lambda: person.client.client_roster[HUB]["subscription"] == "both",
             what=f"{user}'s client approving the hub's subscription")
    return person


def ask(person, text, timeout=30):
    person.say(HUB, text)
    sender, body, _ = person.next_message(timeout)
    assert sender == HUB
    return body


def conversation(s, h, address):
    items = s.get(h.url + "/api/v1/conversations", params={"address": address}).json()["items"]
    assert len(items) == 1, items
    return s.get(h.url + f"/api/v1/conversations/{items[0]['id']}").json()


def metric(s, h, name):
    text = s.get(h.url + "/metrics").text
    m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def send(s, h, address, text):
    r = s.post(h.url + "/api/v1/messages", json={"to": [address], "text": text})
    assert r.status_code == 202, r.text


def in_inbox(s, h, address, text):
    items = s.get(h.url + "/api/v1/inbox?scope=common").json()["items"]
    return any(i["message"]["from"] == address and i["message"]["text"] == text for i in items)


def test_the_report_responder_runs_to_completion_over_xmpp(tmp_path, prosody):
    h = start_hub(tmp_path, prosody)
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        assert ask(kari, "report") == "What happened?"
        assert ask(kari, "Fire & <smoke> in the boathouse") == "Where did it happen?"
        assert ask(kari, "/list") == "Harbour\nSchool\nTown hall"
        assert ask(kari, "Harbour") == "How many people are hurt? (a number)"
        assert ask(kari, "/replay") == (
            "> report\nWhat happened?\n> Fire & <smoke> in the boathouse\nWhere did it happen?\n"
            "> Harbour\nHow many people are hurt? (a number)")
        assert ask(kari, "two") == "Please answer with a number from 0 to 1000."
        assert ask(kari, "2") == "Fire & <smoke> in the boathouse at Harbour, 2 hurt. Is that right? (yes/no)"
        assert ask(kari, "ja") == "Thank you. Reported: Fire & <smoke> in the boathouse at Harbour, 2 hurt."

        c = conversation(s, h, KARI)
        assert (c["status"], c["connector"], c["responder"]) == ("complete", "chat", "report"), c
        assert c["data"]["what"] == "Fire & <smoke> in the boathouse" and c["data"]["place"] == "Harbour"
        # Every step run, the one whose answer did not fit twice.
        assert c["steps"] == ["_start", "what", "where", "hurt", "hurt", "confirm"], c["steps"]
        forms = s.get(h.url + "/api/v1/forms", params={"form_id": "incident-report"}).json()["items"]
        assert len(forms) == 1, forms
        values = [f["value"] for f in forms[0]["fields"]]
        assert "Fire & <smoke> in the boathouse" in values and "Harbour" in values and "2" in values, forms[0]
        # A conversation's messages are its own: none of them reached the inbox.
        assert not in_inbox(s, h, KARI, "Harbour")
    finally:
        kari.stop()
        h.stop()


def test_help_abort_an_unknown_command_and_64_kb_of_text_over_xmpp(tmp_path, prosody):
    h = start_hub(tmp_path, prosody)
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        help_text = ask(kari, "/help")
        assert "/abort" in help_text and "/replay" in help_text
        assert "report (send report): Report an incident step by step" in help_text
        assert ask(kari, "/frobnicate").startswith("Unknown command /frobnicate. Commands: /abort,")
        assert ask(kari, "report") == "What happened?"
        before = conversation(s, h, KARI)
        assert ask(kari, "x" * 65536) == "Please answer in at most 160 characters."
        after = conversation(s, h, KARI)
        # The step ran and kept waiting: nothing saved, the same question next.
        assert (after["status"], after["next_step"]) == ("ongoing", "what")
        assert after["steps"] == before["steps"] + ["what"]
        assert not any(k in after["data"] for k in ("what", "place", "hurt")), after["data"]
        assert [e["text"] for e in after["transcript"][-2:]] == ["x" * 65536, "Please answer in at most 160 characters."]
        assert ask(kari, "/ab") == "Ended report."
        c = conversation(s, h, KARI)
        assert (c["status"], c["ended_by"]) == ("aborted", "party"), c
        # With the conversation over, the next message goes to the inbox as any other.
        kari.say(HUB, "is anyone there?")
        wait_for(lambda: in_inbox(s, h, KARI, "is anyone there?"), what="the message after /abort in the inbox")
        assert metric(s, h, "switchboard_conversations_signout_aborted_total") == 0
    finally:
        kari.stop()
        h.stop()


def test_signing_out_mid_conversation_aborts_it_once(tmp_path, prosody):
    h = start_hub(tmp_path, prosody, "signout_timeout: 2s\n")
    kari = online(prosody, "kari")
    try:
        s = h.session()
        try:
            assert ask(kari, "report") == "What happened?"
            assert ask(kari, "Flood") == "Where did it happen?"
        finally:
            kari.stop()  # the stream closes: Prosody tells the hub kari is unavailable
            kari = None
        c = wait_for(lambda: (lambda c: c if c["status"] != "ongoing" else None)(conversation(s, h, KARI)),
                     timeout=30, what="the conversation aborted after the sign-out")
        assert (c["status"], c["end_reason"], c["ended_by"]) == ("aborted", "signed out", "hub"), c
        assert metric(s, h, "switchboard_conversations_signout_aborted_total") == 1
        # Kari comes back: the notice waited for her on the server, once; a marker sent after
        # it comes next, so nothing was sent twice in between.
        kari = Human(prosody, "kari", "kari-secret")
        assert kari.next_message()[1] == "This conversation (report) has ended because you signed out."
        send(s, h, KARI, "marker")
        assert kari.next_message()[1] == "marker"
        assert kari.messages.empty()
        assert ask(kari, "report") == "What happened?"
        assert metric(s, h, "switchboard_conversations_signout_aborted_total") == 1
    finally:
        if kari:
            kari.stop()
        h.stop()


def test_a_party_back_in_time_keeps_the_conversation(tmp_path, prosody):
    h = start_hub(tmp_path, prosody, "signout_timeout: 8s\n")
    kari = online(prosody, "kari")
    ola = online(prosody, "ola")
    try:
        s = h.session()
        assert ask(kari, "report") == "What happened?"
        assert ask(ola, "report") == "What happened?"
        kari.stop()
        kari = Human(prosody, "kari", "kari-secret")  # back well within 8 s
        ola.stop()  # ola signs out after kari and stays away
        ola = None
        # Ola's deadline is later than kari's would have been: once it fired, kari's had
        # been due too, had her return not cleared it.
        c = wait_for(lambda: (lambda c: c if c["status"] != "ongoing" else None)(conversation(s, h, OLA)),
                     timeout=40, what="ola's conversation aborted after her sign-out")
        assert c["end_reason"] == "signed out", c
        assert conversation(s, h, KARI)["status"] == "ongoing"
        assert ask(kari, "Flood") == "Where did it happen?"
        assert metric(s, h, "switchboard_conversations_signout_aborted_total") == 1
    finally:
        kari.stop()
        if ola:
            ola.stop()
        h.stop()


def test_an_idle_conversation_expires_once_and_the_party_is_told(tmp_path, prosody):
    h = start_hub(tmp_path, prosody, "idle_timeout: 2s\n")
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        assert ask(kari, "report") == "What happened?"
        sender, body, _ = kari.next_message(timeout=30)
        assert (sender, body) == (HUB, "This conversation (report) has expired: no answer came in time. "
                                       "Send /new report to start again.")
        c = conversation(s, h, KARI)
        assert (c["status"], c["ended_by"]) == ("expired", "hub"), c
        assert metric(s, h, "switchboard_conversations_expired_total") == 1
        send(s, h, KARI, "marker")
        assert kari.next_message()[1] == "marker"
        # The answer that came too late is an ordinary message now.
        kari.say(HUB, "Flood")
        wait_for(lambda: in_inbox(s, h, KARI, "Flood"), what="the late answer in the inbox")
        assert conversation(s, h, KARI)["status"] == "expired"
        assert metric(s, h, "switchboard_conversations_expired_total") == 1
    finally:
        kari.stop()
        h.stop()
