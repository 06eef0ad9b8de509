"""The send screen in headless Chromium against the real binary: a group with a member who
lacks email, recipients chosen with completion, plain + rich + attachment, the pre-send report
(who gets what, who cannot be reached and why, SMS parts and encoding), then the HTML email
with its attachment at aiosmtpd and the plain SMS at the bucket connector; axe and
screenshots at phone and desktop width (in the test's tmp directory)."""
import re
import textwrap

import pytest

from conftest import Hub, wait_for
from smtp_server import SMTPServer, wait_for_mail
from test_web_browser import accessibility_problems, browser, by, log_in, screenshots, wait  # noqa: F401 (fixture)

CONFIG = """
connectors:
  tester:
    engine: bucket
    channels: [sms]
  mail:
    engine: smtp
    channels: [email]
    host: 127.0.0.1
    port: {port}
    tls: none
    from: "Switchboard <alerts@hub.test>"
channels:
  sms: {{ route: [tester] }}
  email: {{ route: [mail] }}
templates:
  road-closed:
    subject: "Road closed: {{{{road}}}}"
    text: "{{{{road}}}} is closed at km {{{{km}}}}.{{{{#detour}}}} Detour: {{{{detour}}}}.{{{{/detour}}}}"
"""

# 75 characters with a ç, which GSM 03.38 lacks: UCS-2, two parts of 67 units per phone.
TEXT = "Flood at the bridge: leave the lower camp now, meet at the school. Merci ç."


@pytest.fixture
def mailserver(tmp_path):
    server = SMTPServer(tmp_path / "mail")
    yield server
    server.stop()


@pytest.fixture
def send_hub(tmp_path, mailserver):
    config = tmp_path / "hub.yaml"
    config.write_text(textwrap.dedent(CONFIG.format(port=mailserver.port)))
    data = tmp_path / "data"
    data.mkdir()
    hub = Hub(str(data), config=str(config)).start()
    yield hub
    hub.stop()


def make_group(api, hub):
    """field-team: Kari (phone only) and Ola (phone and email); adding Kari warns."""
    ids = {}
    for name, addresses in (("Kari", ["sms:+4711111111"]), ("Ola", ["sms:+4722222222", "mailto:ola@example.org"])):
        r = api.post(hub.url + "/api/v1/contacts", json={"name": name, "addresses": addresses})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    assert api.post(hub.url + "/api/v1/groups", json={"name": "field-team"}).status_code == 201
    warned = api.post(hub.url + "/api/v1/groups/field-team/members", json={"contact_id": ids["Kari"]}).json()["warnings"]
    assert any("no email address" in w for w in warned)
    assert api.post(hub.url + "/api/v1/groups/field-team/members", json={"contact_id": ids["Ola"]}).status_code in (200, 201)


def add_recipient(browser, value):
    search = browser.find_element(by("ID"), "recipient-search")
    search.clear()
    search.send_keys(value)
    browser.find_element(by("ID"), "recipient-add").click()


def preview(browser):
    browser.execute_script("document.getElementById('report').hidden = true")
    browser.find_element(by("ID"), "preview-button").click()
    wait(browser, lambda d: d.find_element(by("ID"), "report").is_displayed())
    return browser.find_element(by("ID"), "report")


def test_send_plain_rich_and_attachment_to_a_group_after_its_report(send_hub, browser, mailserver, tmp_path):
    hub = send_hub
    api = hub.session()
    make_group(api, hub)
    attachment = tmp_path / "evacuation-map.txt"
    attachment.write_text("Lower camp → school, 2 km.\n")

    log_in(browser, hub, hub.admin_password())
    browser.find_element(by("LINK_TEXT"), "Send").click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "send")
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "send")

    # Completion: typing part of the group's name offers the group.
    search = browser.find_element(by("ID"), "recipient-search")
    search.send_keys("field")
    wait(browser, lambda d: "group:field-team" in [o.get_attribute("value") for o in d.find_elements(by("CSS_SELECTOR"), "#recipient-options option")])
    add_recipient(browser, "group:field-team")
    add_recipient(browser, "sms:12ab")
    wait(browser, lambda d: [c.text.rstrip("×").strip() for c in d.find_elements(by("CSS_SELECTOR"), "#recipient-chips .chip")] == ["field-team", "sms:12ab"])

    browser.find_element(by("ID"), "send-subject").send_keys("Flood")
    browser.find_element(by("CSS_SELECTOR"), '#send-severity option[value="warning"]').click()
    browser.find_element(by("ID"), "send-text").send_keys(TEXT)
    counter = browser.find_element(by("ID"), "sms-counter")
    wait(browser, lambda d: counter.get_attribute("data-encoding") == "ucs2" and counter.get_attribute("data-parts") == "2")
    assert "ç" in counter.text

    editor = browser.find_element(by("ID"), "rich-editor")
    editor.click()
    editor.send_keys("Leave the lower camp ")
    browser.find_element(by("CSS_SELECTOR"), '[data-command="bold"]').click()
    editor.send_keys("now")
    browser.find_element(by("ID"), "send-attachments").send_keys(str(attachment))
    wait(browser, lambda d: "evacuation-map.txt" in d.find_element(by("ID"), "attachment-list").text)

    # The report: the address that does not parse blocks the send, with the parser's reason.
    report = preview(browser)
    assert "would refuse" in report.find_element(by("ID"), "report-verdict").text
    refused = report.find_element(by("CSS_SELECTOR"), '#report-unreachable li[data-name="sms:12ab"]')
    assert "invalid address 'sms:12ab'" in refused.text
    assert accessibility_problems(browser) == []

    # Remove it and look again: who gets what, who cannot be reached, what the SMS cost.
    browser.find_element(by("CSS_SELECTOR"), '#recipient-chips button[aria-label="Remove sms:12ab"]').click()
    report = preview(browser)
    assert report.find_element(by("ID"), "report-verdict").text == "This message can be sent."
    kari = report.find_element(by("CSS_SELECTOR"), 'tr[data-name="Kari"]')
    assert [li.text for li in kari.find_elements(by("CSS_SELECTOR"), "li")] == ["sms: sms:+4711111111 — plain text"]
    assert "Kari has no email address and will not get email" in kari.find_element(by("CSS_SELECTOR"), ".missing").text
    ola = report.find_element(by("CSS_SELECTOR"), 'tr[data-name="Ola"]')
    email = ola.find_element(by("CSS_SELECTOR"), 'li[data-channel="email"]').text
    assert email == "email: mailto:ola@example.org — subject, plain text, formatted text, attachments"
    assert report.find_element(by("ID"), "report-total-sms").text == "4"  # two parts to each of two phones
    assert [m.text for m in report.find_elements(by("CSS_SELECTOR"), "#report-text mark")] == ["ç"]
    assert "UCS-2" in report.find_element(by("ID"), "report-summary").text
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "send-report")

    # Send: the message's page; then the mail at aiosmtpd and the SMS at the bucket.
    browser.find_element(by("ID"), "send-button").click()
    wait(browser, lambda d: "/messages/" in d.current_url)
    wait(browser, lambda d: TEXT in d.find_element(by("ID"), "message-text").text)
    message_id = browser.current_url.rsplit("/", 1)[1]
    [name] = wait_for_mail(mailserver)
    mail = mailserver.message(name)
    assert mailserver.envelope(name)["rcpt_tos"] == ["ola@example.org"]
    assert str(mail["subject"]) == "Flood"
    assert mail.get_body(("plain",)).get_content().strip() == TEXT
    # Firefox's editor keeps a space typed just before a formatting change as U+00A0: the
    # same text to a reader, so compare with it as a plain space.
    html = mail.get_body(("html",)).get_content().replace("\xa0", " ")
    assert "Leave the lower camp <b>now</b>" in html
    [file] = list(mail.iter_attachments())
    assert file.get_filename() == "evacuation-map.txt"
    assert file.get_payload(decode=True).replace(b"\r\n", b"\n") == "Lower camp → school, 2 km.\n".encode()
    sms = wait_for(lambda: (lambda items: items if len(items) == 2 else None)(
        api.get(hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]), what="two SMS at the bucket")
    assert sorted(s["to"] for s in sms) == ["sms:+4711111111", "sms:+4722222222"]
    assert all(s["text"] == TEXT and s["message_id"] == message_id for s in sms)
    assert api.get(f"{hub.url}/api/v1/messages/{message_id}").json()["severity"] == "warning"
    print(f"screenshots in {tmp_path}")


def test_a_template_fills_the_text_and_the_counter_matches_the_hub(send_hub, browser):
    hub = send_hub
    log_in(browser, hub, hub.admin_password())
    browser.get(hub.url + "/send?to=sms:%2B4733333333")
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "send")
    api = hub.session()
    # The page's own count of the text agrees with the hub's, € and [ costing two septets.
    for text in ("€" * 80, "[" * 81, "a" * 161, "😀 ok", "e\u0301" * 70):
        box = browser.find_element(by("ID"), "send-text")
        browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", box, text)
        counter = browser.find_element(by("ID"), "sms-counter")
        hub_count = api.post(hub.url + "/api/v1/messages/preview", json={"to": ["sms:+4733333333"], "text": text}).json()["sms"]
        assert (counter.get_attribute("data-encoding"), int(counter.get_attribute("data-parts"))) == (hub_count["encoding"], hub_count["parts"]), text
    browser.find_element(by("CSS_SELECTOR"), '#send-template option[value="road-closed"]').click()
    assert not browser.find_element(by("ID"), "send-text").is_displayed()
    fields = browser.find_element(by("CSS_SELECTOR"), '.template-fields[data-template="road-closed"]')
    fields.find_element(by("CSS_SELECTOR"), '[data-field="road"]').send_keys("Rv 4")
    fields.find_element(by("CSS_SELECTOR"), '[data-field="km"]').send_keys("12")
    report = preview(browser)
    assert "Rv 4 is closed at km 12." == report.find_element(by("ID"), "report-text").text
    browser.find_element(by("ID"), "send-button").click()
    wait(browser, lambda d: "/messages/" in d.current_url)
    wait(browser, lambda d: "Rv 4 is closed at km 12." in d.find_element(by("ID"), "message-text").text)
    assert browser.find_element(by("ID"), "page-heading").text == "Road closed: Rv 4"


def test_group_completion_asks_the_hub_as_one_types(send_hub, browser):
    """More groups than the list offers: typing a prefix in another case offers the group
    whose name sorts last, and every group look-up the page makes asks for a few, with what
    was typed (the page never walks every group)."""
    hub = send_hub
    api = hub.session()
    for n in range(12):
        assert api.post(hub.url + "/api/v1/groups", json={"name": f"area-{n:02d}"}).status_code == 201
    assert api.post(hub.url + "/api/v1/groups", json={"name": "shelter-east"}).status_code == 201

    log_in(browser, hub, hub.admin_password())
    browser.get(hub.url + "/send")
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "send")
    # Records the paths of the page's look-ups from here on.
    browser.execute_script(
        "window.asked = []; const f = window.fetch;"
        "window.fetch = (path, init) => { window.asked.push(String(path)); return f(path, init); };"
    )
    search = browser.find_element(by("ID"), "recipient-search")
    search.send_keys("SHEL")

    def offered(d):
        return [o.get_attribute("value") for o in d.find_elements(by("CSS_SELECTOR"), "#recipient-options option")]

    wait(browser, lambda d: "group:shelter-east" in offered(d))
    assert not [v for v in offered(browser) if v.startswith("group:area-")]
    groups_asked = [p for p in browser.execute_script("return window.asked") if p.startswith("/api/v1/groups")]
    # Focusing the box asks for the first few; each keystroke asks for what was typed.
    assert groups_asked and all(re.search(r"[?&]limit=10(&|$)", p) for p in groups_asked), groups_asked
    assert any("q=SHEL" in p for p in groups_asked), groups_asked
    add = browser.find_element(by("ID"), "recipient-search")
    add.clear()
    add.send_keys("group:shelter-east")
    browser.find_element(by("ID"), "recipient-add").click()
    wait(browser, lambda d: [c.text.rstrip("×").strip() for c in d.find_elements(by("CSS_SELECTOR"), "#recipient-chips .chip")] == ["shelter-east"])
