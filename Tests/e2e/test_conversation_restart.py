"""A conversation survives kill -9: the real binary on SQLite is killed in the middle of a
dialogue, started again on the same data directory, and the dialogue goes on where it was;
an idle deadline set before the kill fires after the restart, once."""
import os
import signal
import textwrap

from conftest import Hub, wait_for

CONFIG = textwrap.dedent("""\
    connectors:
      tester: {engine: bucket, channels: [sms]}
    conversations:
      idle_timeout: 3s
      sweep_interval: 1s
      responders:
        report:
          summary: Report an incident
          keywords: [report]
          idle_timeout: 1h
          steps:
            - name: what
              prompt: What happened?
            - name: where
              prompt: Where?
          on_complete:
            summary: "Reported: {{what}} at {{where}}."
        ping:
          summary: Answer once
          keywords: [ping]
          steps:
            - name: ok
              prompt: Say anything
    """)


def start(tmp_path):
    cfg = os.path.join(str(tmp_path), "switchboard.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    return Hub(str(tmp_path), config=cfg, env={"SWITCHBOARD_ADMIN_PASSWORD": "correct-horse-1"}).start()


def say(hub, session, party, text):
    r = session.post(hub.url + "/api/v1/tester/inbound", json={"from": party, "text": text})
    assert r.status_code in (200, 201, 202), r.text


def sent(hub, session, party):
    r = session.get(hub.url + "/api/v1/tester/sent", params={"to": party})
    assert r.status_code == 200, r.text
    return [item["text"] for item in r.json()["items"]]


def kill(hub):
    hub.proc.send_signal(signal.SIGKILL)
    hub.proc.wait()


def test_a_conversation_goes_on_after_kill_9_and_its_deadline_fires_after_the_restart(tmp_path):
    kari, ola = "sms:+4712345678", "sms:+4799999999"
    hub = start(tmp_path)
    try:
        s = hub.session(password="correct-horse-1")
        say(hub, s, kari, "report")
        wait_for(lambda: sent(hub, s, kari) == ["What happened?"], what="the first question")
        say(hub, s, kari, "Flood")
        wait_for(lambda: sent(hub, s, kari) == ["What happened?", "Where?"], what="the second question")
        # ola's conversation has a 3 s idle deadline (the hub's default), set before the kill.
        say(hub, s, ola, "ping")
        wait_for(lambda: sent(hub, s, ola) == ["Say anything"], what="ping's question")
    finally:
        kill(hub)

    hub2 = start(tmp_path)
    try:
        s = hub2.session(password="correct-horse-1")
        say(hub2, s, kari, "/replay")
        wait_for(lambda: sent(hub2, s, kari) == ["> report\nWhat happened?\n> Flood\nWhere?"], what="the replay")
        say(hub2, s, kari, "the harbour")
        wait_for(lambda: sent(hub2, s, kari)[-1:] == ["Reported: Flood at the harbour."], what="the summary")
        expired = "This conversation (ping) has expired: no answer came in time. Send /new ping to start again."
        wait_for(lambda: sent(hub2, s, ola) == [expired], timeout=20, what="the idle deadline to fire after the restart")

        conversations = s.get(hub2.url + "/api/v1/conversations").json()["items"]
        by_party = {c["address"]: c for c in conversations}
        assert by_party[kari]["status"] == "complete", by_party[kari]
        assert by_party[ola]["status"] == "expired", by_party[ola]
    finally:
        hub2.stop()
