"""The `xmpp` connector against a real Prosody, slixmpp playing the people (README "XMPP")."""
import textwrap

import pytest

from conftest import Hub, wait_for
from fake_xmpp_server import FakeXMPPServer
from prosody import CuttableProxy, Human, hub_on, prosody_server  # noqa: F401 - prosody_server is the fixture `prosody`


def hub_for(tmp_path, prosody, extra="", port=None):
    return hub_on(tmp_path, prosody, connector="send_timeout: 60s\n" + extra, port=port)


def delivery(s, h, mid):
    return s.get(h.url + f"/api/v1/messages/{mid}").json()["deliveries"][0]


def test_a_chat_message_reaches_the_inbox(tmp_path, prosody):
    h = hub_for(tmp_path, prosody)
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        kari.say("hub@localhost", "Veien er stengt ved km 12 & <snø>")
        item = wait_for(lambda: next((i for i in s.get(h.url + "/api/v1/inbox?scope=common").json()["items"]
                                      if i["message"]["from"] == "xmpp:kari@localhost"), None), what="the message in the inbox")
        assert item["message"]["text"] == "Veien er stengt ved km 12 & <snø>"
        # 64 K characters (112 KiB of UTF-8) in one stanza is within the limits (text 128 KiB, stanza 256 KiB): it arrives whole.
        long = "æøå " * 16384
        kari.say("hub@localhost", long)
        item = wait_for(lambda: next((i for i in s.get(h.url + "/api/v1/inbox?scope=common").json()["items"]
                                      if len(i["message"]["text"]) > 1000), None), what="the 64 KB message in the inbox")
        assert item["message"]["text"] == long
    finally:
        kari.stop()
        h.stop()


def test_a_sent_message_arrives_and_its_receipt_marks_it_delivered(tmp_path, prosody):
    h = hub_for(tmp_path, prosody)
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        r = s.post(h.url + "/api/v1/messages", json={"to": ["xmpp:kari@localhost"], "text": "Møt opp kl. 07 <ved> brua"})
        assert r.status_code == 202, r.text
        mid = r.json()["id"]
        sender, body, stanza_id = kari.next_message()
        assert (sender, body) == ("hub@localhost", "Møt opp kl. 07 <ved> brua")
        d = wait_for(lambda: (lambda d: d if d["status"] == "delivered" else None)(delivery(s, h, mid)),
                     what="the receipt marking the delivery delivered")
        assert d["connector"] == "chat" and stanza_id == d["id"]
    finally:
        kari.stop()
        h.stop()


def test_subscription_requests_are_approved_for_contacts_only(tmp_path, prosody):
    h = hub_for(tmp_path, prosody, "subscriptions: contacts\n")
    kari = Human(prosody, "kari", "kari-secret")
    ola = Human(prosody, "ola", "ola-secret")
    try:
        s = h.session()
        r = s.post(h.url + "/api/v1/contacts", json={"name": "Kari", "addresses": ["xmpp:kari@localhost"]})
        assert r.status_code == 201, r.text
        kari.subscribe("hub@localhost")
        assert kari.next_presence() == ("subscribed", "hub@localhost")
        ola.subscribe("hub@localhost")
        assert ola.next_presence() == ("unsubscribed", "hub@localhost")
    finally:
        kari.stop()
        ola.stop()
        h.stop()


def test_a_prosody_restart_loses_nothing_and_sends_nothing_twice(tmp_path, prosody):
    h = hub_for(tmp_path, prosody)
    try:
        s = h.session()
        prosody.stop()
        # Sent while the server is down: the hub holds it until a new stream acknowledges it.
        r = s.post(h.url + "/api/v1/messages", json={"to": ["xmpp:kari@localhost"], "text": "while you were away"})
        assert r.status_code == 202, r.text
        mid = r.json()["id"]
        prosody.start()
        wait_for(lambda: delivery(s, h, mid)["status"] in ("sent", "delivered"), timeout=60,
                 what="the held message acknowledged by the restarted server")
        kari = Human(prosody, "kari", "kari-secret")
        try:
            assert kari.next_message()[1] == "while you were away"
            # A marker sent after it: anything sent twice would have come before the marker.
            r = s.post(h.url + "/api/v1/messages", json={"to": ["xmpp:kari@localhost"], "text": "marker"})
            assert r.status_code == 202, r.text
            assert kari.next_message()[1] == "marker"
            assert kari.messages.empty()
            wait_for(lambda: delivery(s, h, mid)["status"] == "delivered", what="the receipt after the restart")
        finally:
            kari.stop()
    finally:
        h.stop()


def hub_on_fake(tmp_path, server, extra=""):
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        connectors:
          chat:
            engine: xmpp
            channels: [im]
            jid: hub@localhost
            password_env: HUB_XMPP_PASSWORD
            host: 127.0.0.1
            port: {server.port}
            tls: none
            reconnect_delay: 200ms
            reconnect_max_delay: 1s
        """) + textwrap.indent(textwrap.dedent(extra), "    "))
    data = tmp_path / "data"
    data.mkdir()
    return Hub(str(data), config=str(cfg), env={"HUB_XMPP_PASSWORD": "hub-secret"}).start()


def wait_written(server, conn, predicate, timeout=20):
    with server.lock:
        assert server.lock.wait_for(lambda: any(predicate(e) for e in conn.written), timeout), conn.written


@pytest.mark.parametrize("payload,condition", [
    ("<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;'>]>"
     "<message><body>&lol2;</body></message>", "restricted-xml"),
    ("<message type='chat' from='kari@localhost/phone'><body>half</message>", "not-well-formed"),
], ids=["xml-bomb", "malformed-stanza"])
def test_a_malformed_stream_gets_a_stream_error_and_the_hub_reconnects(tmp_path, payload, condition):
    sessions = []
    server = None

    def on_ready(conn):
        sessions.append(conn)
        if len(sessions) == 1:
            conn.send("<message type='chat' from='kari@localhost/phone' to='hub@localhost' id='in1'>"
                      "<body>before the bomb</body></message><r xmlns='urn:xmpp:sm:3'/>")
            # Acknowledged only once the hub has committed it: stanza 2 after the roster result.
            wait_written(server, conn, lambda e: e == "<a xmlns='urn:xmpp:sm:3' h='2'/>")
            conn.send(payload)

    server = FakeXMPPServer("hub-secret", on_ready)
    h = hub_on_fake(tmp_path, server)
    try:
        wait_for(lambda: len(sessions) >= 2, timeout=30, what="a second session after the stream error")
        first = sessions[0]
        assert first.closed.wait(10)
        assert f"<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>" in first.written
        assert first.written[-1] == "</stream:stream>"
        # The new stream asked to resume the old one, was refused, and bound a new session.
        assert any(e.startswith("<resume") and "previd='fake-sm'" in e for e in sessions[1].written)
        s = h.session()
        items = s.get(h.url + "/api/v1/inbox?scope=common").json()["items"]
        assert [i["message"]["text"] for i in items] == ["before the bomb"]
        r = s.post(h.url + "/api/v1/messages", json={"to": ["xmpp:kari@localhost"], "text": "after the bomb"})
        assert r.status_code == 202, r.text
        mid = r.json()["id"]
        wait_for(lambda: delivery(s, h, mid)["status"] == "sent", what="the message acknowledged by the new stream")
        assert server.messages() == ["after the bomb"]
    finally:
        h.stop()
        server.stop()


def test_an_unanswered_ping_ends_the_link_and_the_hub_reconnects(tmp_path):
    server = FakeXMPPServer("hub-secret", answer_pings=False)
    h = hub_on_fake(tmp_path, server, "ping_interval: 300ms\n")
    try:
        wait_for(lambda: len(server.connections) >= 2, timeout=30, what="a new connection after the unanswered ping")
        first = server.connections[0]
        assert first.closed.wait(10)
        assert any(e.startswith("<iq type='get' id='ping-1'") for e in first.written)
        assert not any("id='ping-2'" in e for e in first.written)  # the second tick closed instead
        assert first.written[-1] == "</stream:stream>"
    finally:
        h.stop()
        server.stop()


def test_answered_pings_keep_the_link(tmp_path):
    server = FakeXMPPServer("hub-secret", answer_pings=True)
    h = hub_on_fake(tmp_path, server, "ping_interval: 200ms\n")
    try:
        wait_for(lambda: server.connections and any("id='ping-3'" in e for e in server.connections[0].written),
                 timeout=30, what="a third ping on the first connection")
        assert len(server.connections) == 1
    finally:
        h.stop()
        server.stop()


@pytest.mark.parametrize("policy,kari,ola", [("everyone", "subscribed", "subscribed"), ("none", "unsubscribed", "unsubscribed")])
def test_subscription_policies_everyone_and_none(tmp_path, prosody, policy, kari, ola):
    h = hub_for(tmp_path, prosody, f"subscriptions: {policy}\n")
    people = [Human(prosody, "kari", "kari-secret"), Human(prosody, "ola", "ola-secret")]
    try:
        s = h.session()
        assert s.post(h.url + "/api/v1/contacts", json={"name": "Kari", "addresses": ["xmpp:kari@localhost"]}).status_code == 201
        for person, expected in zip(people, (kari, ola)):
            person.subscribe("hub@localhost")
            assert person.next_presence() == (expected, "hub@localhost")
    finally:
        for person in people:
            person.stop()
        h.stop()


@pytest.mark.parametrize("change,reason", [
    ({"ca_file": None}, "TLS handshake failed"),
    ({"password": "wrong-secret"}, "authentication failed: not-authorized"),
], ids=["untrusted-certificate", "wrong-password"])
def test_an_untrusted_server_or_a_wrong_password_gets_no_session(tmp_path, prosody, change, reason):
    cfg = tmp_path / "hub.yaml"
    ca = "ca_file" not in change
    cfg.write_text(textwrap.dedent(f"""\
        connectors:
          chat:
            engine: xmpp
            channels: [im]
            jid: hub@localhost
            password_env: HUB_XMPP_PASSWORD
            host: 127.0.0.1
            port: {prosody.port}
            reconnect_delay: 200ms
            reconnect_max_delay: 1s
        """) + (f"    ca_file: {prosody.cafile}\n" if ca else ""))
    data = tmp_path / "data"
    data.mkdir()
    h = Hub(str(data), config=str(cfg), env={"HUB_XMPP_PASSWORD": change.get("password", "hub-secret")}).start()
    try:
        # Two failed attempts, each logged with its reason; neither became a session.
        wait_for(lambda: h.logs().count(reason) >= 2, timeout=30, what=f"two attempts failing with '{reason}'")
        assert "xmpp session ready" not in h.logs()
        assert "hub-secret" not in h.logs() and "wrong-secret" not in h.logs()
    finally:
        h.stop()


def test_a_dropped_link_resumes_the_stream_and_loses_nothing(tmp_path, prosody):
    proxy = CuttableProxy(prosody.port)
    h = hub_for(tmp_path, prosody, port=proxy.port)
    kari = Human(prosody, "kari", "kari-secret")
    try:
        s = h.session()
        proxy.cut()
        # Prosody keeps the hub's session hibernating (XEP-0198): what Kari says meanwhile waits there.
        kari.say("hub@localhost", "said while the link was down")
        wait_for(lambda: "resumed=true" in h.logs(), timeout=30, what="the hub resuming its stream")
        items = wait_for(lambda: [i["message"]["text"] for i in s.get(h.url + "/api/v1/inbox?scope=common").json()["items"]],
                         what="the message kept by the hibernating session")
        assert items == ["said while the link was down"]
        r = s.post(h.url + "/api/v1/messages", json={"to": ["xmpp:kari@localhost"], "text": "on the resumed stream"})
        assert r.status_code == 202, r.text
        assert kari.next_message()[1] == "on the resumed stream"
        wait_for(lambda: delivery(s, h, r.json()["id"])["status"] == "delivered", what="the receipt on the resumed stream")
    finally:
        kari.stop()
        h.stop()
        proxy.stop()
