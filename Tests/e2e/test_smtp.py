"""The SMTP engines in the real binary: email out through aiosmtpd, SMS out through the
email-to-SMS gateway, and mail in through the smtp-inbound listener."""
import smtplib
import textwrap
from email.message import EmailMessage

import pytest

from conftest import Hub, free_port, wait_for
from smtp_server import SMTPServer, wait_for_mail


@pytest.fixture
def mailserver(tmp_path):
    server = SMTPServer(tmp_path / "mail")
    yield server
    server.stop()


def hub_with(tmp_path, yaml):
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(textwrap.dedent(yaml))
    data = tmp_path / "data"
    data.mkdir()
    return Hub(str(data), config=str(cfg)).start()


def test_email_delivery_arrives_as_mime(tmp_path, mailserver):
    h = hub_with(tmp_path, f"""\
        connectors:
          mail:
            engine: smtp
            channels: [email]
            host: 127.0.0.1
            port: {mailserver.port}
            tls: none
            from: "Switchboard Alerts <alerts@hub.test>"
        """)
    try:
        s = h.session()
        r = s.post(h.url + "/api/v1/messages", json={
            "to": ["mailto:kari@example.org"], "subject": "Flomvarsel – Årnes", "text": "Evakuer nå.",
            "html": "<p>Evakuer <b>nå</b>.</p>"})
        assert r.status_code == 202, r.text
        mid = r.json()["id"]
        [name] = wait_for_mail(mailserver)
        msg = mailserver.message(name)
        assert str(msg["subject"]) == "Flomvarsel – Årnes"
        assert msg.get_body(("plain",)).get_content().strip() == "Evakuer nå."
        assert "<b>nå</b>" in msg.get_body(("html",)).get_content()
        assert mailserver.envelope(name)["rcpt_tos"] == ["kari@example.org"]
        d = wait_for(lambda: (lambda m: m["deliveries"][0] if m["deliveries"][0]["status"] == "sent" else None)(
            s.get(h.url + f"/api/v1/messages/{mid}").json()), what="delivery sent")
        assert d["connector"] == "mail" and d["receipt_id"] == str(msg["message-id"])
    finally:
        h.stop()


def test_sms_through_the_email_gateway(tmp_path, mailserver):
    h = hub_with(tmp_path, f"""\
        connectors:
          sms-mail:
            engine: email-gateway
            channels: [sms]
            smtp: relay
            to: sms@gw.example.org
          relay:
            engine: smtp
            channels: [email]
            host: 127.0.0.1
            port: {mailserver.port}
            tls: none
            from: nav@hub.test
        """)
    try:
        s = h.session()
        r = s.post(h.url + "/api/v1/messages", json={"to": ["sms:+4712345678"], "text": "sw-1 is down"})
        assert r.status_code == 202, r.text
        [name] = wait_for_mail(mailserver)
        msg = mailserver.message(name)
        assert str(msg["subject"]) == "+4712345678"
        assert msg.get_content().strip() == "sw-1 is down"
        assert mailserver.envelope(name)["rcpt_tos"] == ["sms@gw.example.org"]
    finally:
        h.stop()


def test_inbound_mail_reaches_the_inbox(tmp_path):
    port = free_port()
    h = hub_with(tmp_path, f"""\
        connectors:
          mailin:
            engine: smtp-inbound
            channels: [email]
            listen: 127.0.0.1:{port}
            domains: [hub.test]
        """)
    try:
        s = h.session()
        # A shared address feeding the common inbox is a contact with that address.
        r = s.post(h.url + "/api/v1/contacts", json={"name": "Ops desk", "addresses": ["mailto:ops@hub.test"]})
        assert r.status_code == 201, r.text
        msg = EmailMessage()
        msg["From"] = "Kari <kari@example.org>"
        msg["To"] = "ops@hub.test"
        msg["Subject"] = "Svar: på vei"
        msg.set_content("Vi er på vei.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            refused = c.send_message(msg)
            assert refused == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused) as foreign:
                c.send_message(msg, to_addrs=["someone@elsewhere.org"])
            assert foreign.value.recipients["someone@elsewhere.org"][0] == 550
            # In the domain, but no user or contact has it: refused at RCPT, before any data.
            with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
                c.send_message(msg, to_addrs=["nobody@hub.test"])
            code, text = unknown.value.recipients["nobody@hub.test"]
            assert code == 550 and b"no such user or contact" in text
            # One known and one unknown: only the known one gets it.
            assert c.send_message(msg, to_addrs=["ops@hub.test", "ghost@hub.test"]) == {"ghost@hub.test": (550, text.replace(b"nobody", b"ghost"))}
        items = wait_for(lambda: (lambda got: got if len(got) == 2 else None)(
            s.get(h.url + "/api/v1/inbox", params={"scope": "common"}).json()["items"]), what="two inbox items")
        assert all(i["message"]["text"].strip() == "Vi er på vei." for i in items)
        assert all(i["message"]["to"] == "mailto:ops@hub.test" for i in items)
        assert items[0]["message"]["subject"] == "Svar: på vei"
    finally:
        h.stop()
