"""Issue 4's "done when", through the real binary: SMTP (aiosmtpd with STARTTLS and AUTH) and
Kannel (bearerbox + smsbox + fakesmsc) configured as the example shows; one group message
arrives as SMS at fakesmsc and as HTML email with an attachment at the SMTP server; replies
by SMS and by email land in the inbox; the delivery report marks the SMS delivered."""
import base64
import os
import smtplib
import subprocess
import tempfile
import textwrap
from email.message import EmailMessage

import pytest

import kannel as kannel_runner
from conftest import Hub, free_port, wait_for
from smtp_server import SMTPServer, wait_for_mail

pytestmark = pytest.mark.skipif(not kannel_runner.installed(),
                                reason="Kannel is not installed (scripts/test.sh installs kannel and kannel-extras)")

KANNEL_SECRET = "e2e-walkthrough-secret-0123456789"
ATTACHMENT = bytes(range(256)) * 4


def certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def world():
    with tempfile.TemporaryDirectory(prefix="switchboard-walkthrough-") as d:
        cert, key = certificate(d)
        mail = SMTPServer(os.path.join(d, "mail"), "--tls", "starttls", "--cert", cert, "--key", key,
                          "--user", "switchboard", "--password", "mail-pass-1")
        data = os.path.join(d, "data")
        os.makedirs(data)
        hub = Hub(data, env={"KANNEL_PASSWORD": "kannel-pass-1", "KANNEL_INBOUND_SECRET": KANNEL_SECRET,
                             "SMTP_PASSWORD": "mail-pass-1"})
        kannel = kannel_runner.Kannel(d, hub_port=hub.port, secret=KANNEL_SECRET, password="kannel-pass-1")
        inbound_port = free_port()
        hub.config = os.path.join(d, "switchboard.yaml")
        with open(hub.config, "w") as f:
            f.write("connectors:\n" + kannel.connector_yaml() + textwrap.dedent(f"""\
                  mail:
                    engine: smtp
                    channels: [email]
                    host: localhost
                    port: {mail.port}
                    tls: starttls
                    ca_file: {cert}
                    username: switchboard
                    password_env: SMTP_PASSWORD
                    from: "Switchboard <alerts@hub.test>"
                  mail-in:
                    engine: smtp-inbound
                    channels: [email]
                    listen: 127.0.0.1:{inbound_port}
                    domains: [hub.test]
                channels:
                  sms:
                    route: [kannel]
                  email:
                    route: [mail]
                dispatcher:
                  poll_interval: 200ms
                """))
        check = subprocess.run([hub.args()[0], "check-config", "--config", hub.config], capture_output=True, text=True, env=hub.env)
        assert check.returncode == 0, check.stdout + check.stderr
        kannel.start()
        try:
            hub.start()
            try:
                yield hub, kannel, mail, inbound_port, hub.session()
            finally:
                hub.stop()
        except BaseException:
            print(kannel.logs())
            raise
        finally:
            kannel.stop()
            mail.stop()


def test_group_message_out_by_sms_and_html_email_replies_in_and_a_delivery_report(world):
    hub, kannel, mail, inbound_port, api = world
    url = hub.url + "/api/v1"
    kari = api.post(url + "/contacts", json={"name": "Kari Nordmann", "addresses": ["sms:+4712345678", "mailto:kari@example.org"]})
    assert kari.status_code == 201, kari.text
    assert api.post(url + "/groups", json={"name": "field-team"}).status_code == 201
    member = api.post(url + "/groups/field-team/members", json={"contact_id": kari.json()["id"]})
    assert member.status_code in (200, 201) and member.json()["warnings"] == [], member.text

    kannel.run_fakesmsc(count=0)
    r = api.post(url + "/messages", json={
        "to": ["group:field-team"], "subject": "Veien er stengt", "text": "Road closed at km 12",
        "html": "<p>Road <b>closed</b> at km 12</p>",
        "attachments": [{"filename": "kart over Årnes.pdf", "content_type": "application/pdf",
                         "data": base64.b64encode(ATTACHMENT).decode()}]})
    assert r.status_code == 202, r.text
    deliveries = {d["channel"]: d for d in r.json()["deliveries"]}
    assert set(deliveries) == {"sms", "email"}
    assert deliveries["sms"]["address"] == "sms:+4712345678" and deliveries["email"]["address"] == "mailto:kari@example.org"

    # SMS at the phone: the plain text only.
    sms = wait_for(lambda: [m for m in kannel.received() if m[1] == "+4712345678"], what="the SMS at fakesmsc")
    assert sms[0][2:] == ("text", "Road closed at km 12")

    # Email at the mail server, over STARTTLS with AUTH: HTML, its text alternative and the attachment.
    [name] = wait_for_mail(mail)
    msg = mail.message(name)
    assert mail.envelope(name)["rcpt_tos"] == ["kari@example.org"]
    assert str(msg["subject"]) == "Veien er stengt"
    assert msg.get_body(("plain",)).get_content().strip() == "Road closed at km 12"
    assert "<b>closed</b>" in msg.get_body(("html",)).get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "kart over Årnes.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == ATTACHMENT

    # The delivery report from the SMSC, through Kannel, marks the SMS delivered.
    sms_id = deliveries["sms"]["id"]
    report = wait_for(lambda: (h := api.get(f"{url}/deliveries/{sms_id}").json())["delivery"]["status"] == "delivered" and h,
                      what="the SMS delivery to become delivered")
    assert any(c["to"] == "delivered" and c["actor"] == "connector:kannel" for c in report["status_changes"])
    email = wait_for(lambda: (m := api.get(f"{url}/messages/{r.json()['id']}").json()) and
                     [d for d in m["deliveries"] if d["channel"] == "email" and d["status"] == "sent"], what="email sent")
    assert email[0]["connector"] == "mail"

    # Kari answers by SMS...
    kannel.run_fakesmsc("4712345678 2222 text On my way, ETA 10 min")
    # ...and by email, to the hub's inbound listener (admin@hub.test: the user admin).
    reply = EmailMessage()
    reply["From"] = "Kari Nordmann <kari@example.org>"
    reply["To"] = "admin@hub.test"
    reply["Subject"] = "Re: Veien er stengt"
    reply.set_content("Seen, taking the E6 instead.")
    with smtplib.SMTP("127.0.0.1", inbound_port, timeout=10) as c:
        assert c.send_message(reply) == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            c.send_message(reply, to_addrs=["nobody@hub.test"])
        assert refused.value.recipients["nobody@hub.test"][0] == 550

    items = wait_for(lambda: (lambda got: got if len(got) == 2 else None)(
        [i for i in api.get(url + "/inbox").json()["items"] if i["message"]["from"] in ("sms:+4712345678", "mailto:kari@example.org")]),
        what="both replies in the inbox")
    by_from = {i["message"]["from"]: i for i in items}
    assert by_from["sms:+4712345678"]["message"]["text"] == "On my way, ETA 10 min"
    assert by_from["sms:+4712345678"]["message"]["connector"] == "kannel"
    mail_reply = by_from["mailto:kari@example.org"]
    assert mail_reply["message"]["text"].strip() == "Seen, taking the E6 instead."
    assert mail_reply["message"]["subject"] == "Re: Veien er stengt"
    assert mail_reply["owner"] == "admin" and mail_reply["message"]["connector"] == "mail-in"
