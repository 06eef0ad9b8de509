"""The outbox, connectors, administration and account pages in headless Chromium against the
real binary: a delivery refused by a gateway stand-in is retried from /outbox and sent; the
connectors page shows the gateway's error; the configuration page shows no secret; a user and
a token are made in the administration pages; the admin changes their own password and logs
in with it. axe-core on every page, screenshots at phone and desktop width (in the test's tmp
directory, not committed)."""
import textwrap

import pytest
import requests

from conftest import Hub, wait_for
from gateway_standin import RecordingGateway
from test_web_browser import CHROMIUM, DESKTOP, DRIVER, PHONE, accessibility_problems, browser, by, screenshots, wait  # noqa: F401

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")

ENV_SECRET = "env-secret-gateway-7f3a9c"
INLINE_SECRET = "inline-secret-5d1e"


def config(port):
    return textwrap.dedent(f"""\
        connectors:
          tester: {{engine: bucket, channels: [email, im]}}
          gateway:
            engine: http-gateway
            channels: [sms]
            url: "http://127.0.0.1:{port}/send?to={{to}}&text={{text}}&key={INLINE_SECRET}"
            username: hub
            password_env: WOPS_GATEWAY_PASSWORD
            failure_threshold: 100
        channels:
          sms: {{route: [gateway]}}
          email: {{route: [tester]}}
          im: {{route: [tester]}}
        """)


def page_of(browser):
    return browser.find_element(by("TAG_NAME"), "body").get_attribute("data-page")


def log_in(browser, hub, username, password):
    browser.get(hub.url + "/login")
    browser.find_element(by("ID"), "username").send_keys(username)
    browser.find_element(by("ID"), "password").send_keys(password)
    browser.find_element(by("ID"), "login-button").click()
    wait(browser, lambda d: page_of(d) == "inbox")


def open_page(browser, hub, path, page):
    browser.get(hub.url + path)
    wait(browser, lambda d: page_of(d) == page)
    assert accessibility_problems(browser) == [], path


@pytest.fixture
def gateway_hub(data_dir, tmp_path):
    with RecordingGateway(status=400, body="refused: no credit") as gateway:
        path = tmp_path / "hub.yaml"
        path.write_text(config(gateway.port))
        hub = Hub(data_dir, config=str(path), env={"WOPS_GATEWAY_PASSWORD": ENV_SECRET}).start()
        try:
            yield hub, gateway
        finally:
            hub.stop()


def test_a_refused_delivery_is_retried_from_the_outbox_and_sent(gateway_hub, browser, tmp_path):
    hub, gateway = gateway_hub
    api = hub.session()
    r = api.post(hub.url + "/api/v1/messages", json={"to": ["sms:+4712345678"], "text": "Road closed at km 12"})
    assert r.status_code == 202, r.text
    delivery = r.json()["deliveries"][0]["id"]
    wait_for(lambda: api.get(f"{hub.url}/api/v1/deliveries/{delivery}").json()["delivery"]["status"] == "failed", what="the refused delivery to fail")

    log_in(browser, hub, "admin", hub.admin_password())
    # The connectors page: the gateway's refusal is its last error.
    browser.find_element(by("LINK_TEXT"), "Connectors").click()
    wait(browser, lambda d: page_of(d) == "connectors")
    row = browser.find_element(by("CSS_SELECTOR"), 'tr[data-connector="gateway"]')
    assert "400" in row.find_element(by("CSS_SELECTOR"), ".last-error").text
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "connectors")
    # At phone width the navigation is one strip that scrolls sideways; the current page's
    # link (here far to the right) is scrolled into view.
    browser.set_window_size(*PHONE)
    browser.refresh()
    wait(browser, lambda d: page_of(d) == "connectors")
    shown = browser.execute_script(
        "const link = document.querySelector('header.top a[aria-current=\"page\"]').getBoundingClientRect();"
        "const strip = document.querySelector('header.top ul').getBoundingClientRect();"
        "return [link.left >= strip.left - 1 && link.right <= strip.right + 1, strip.height < 80];"
    )
    assert shown == [True, True], f"current link in view, strip one row: {shown}"
    browser.set_window_size(*DESKTOP)

    # The outbox: the dead letter, retried with its own button once the gateway takes messages.
    browser.find_element(by("LINK_TEXT"), "Outbox").click()
    wait(browser, lambda d: page_of(d) == "outbox")
    assert browser.find_elements(by("CSS_SELECTOR"), f'#retry-failed tr[data-id="{delivery}"]')
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "outbox")
    gateway.status = 200
    gateway.body = "OK id={id}"
    browser.find_element(by("CSS_SELECTOR"), f'#retry-failed tr[data-id="{delivery}"] button.retry-one').click()
    wait(browser, lambda d: "1 put back in the queue." in d.find_element(by("ID"), "outbox-notice").text)
    wait_for(lambda: api.get(f"{hub.url}/api/v1/deliveries/{delivery}").json()["delivery"]["status"] == "sent", what="the retried delivery to be sent")
    sent = [g for g in gateway.snapshot() if g["params"].get("text") == "Road closed at km 12"]
    assert len(sent) == 2, "refused once, then sent"

    # Its page shows it sent, with the operator's retry in its history.
    open_page(browser, hub, f"/outbox/deliveries/{delivery}", "outbox")
    assert browser.find_element(by("ID"), "delivery-status").get_attribute("data-status") == "sent"
    assert "retried from the queue" in browser.find_element(by("ID"), "changes").text
    screenshots(browser, tmp_path, "outbox-delivery")

    # The configuration: the variable's name, never a secret.
    open_page(browser, hub, "/admin/config", "admin-config")
    source = browser.page_source
    assert "WOPS_GATEWAY_PASSWORD" in source
    assert ENV_SECRET not in source and INLINE_SECRET not in source
    screenshots(browser, tmp_path, "admin-config")


def test_users_tokens_and_ones_own_password_in_a_browser(hub, browser, tmp_path):
    password = hub.admin_password()
    log_in(browser, hub, "admin", password)

    # A user with a made-up password, shown once.
    browser.find_element(by("LINK_TEXT"), "Admin").click()
    wait(browser, lambda d: page_of(d) == "admin-users")
    browser.find_element(by("ID"), "new-username").send_keys("kari")
    browser.find_element(by("ID"), "new-display").send_keys("Kari <Nordmann>")
    browser.find_element(by("ID"), "create-user-submit").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "shown-password"))
    karis = browser.find_element(by("ID"), "shown-password").text
    assert "Kari <Nordmann>" in browser.find_element(by("CSS_SELECTOR"), 'tr[data-user="kari"]').text
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "admin-users")
    kari = hub.session("kari", karis)
    assert kari.get(hub.url + "/api/v1/me").json()["role"] == "user"
    refused = kari.get(hub.url + "/outbox", allow_redirects=False)
    assert refused.status_code == 403

    # A token, shown once; it works as a bearer until revoked.
    browser.find_element(by("LINK_TEXT"), "API tokens").click()
    wait(browser, lambda d: page_of(d) == "admin-tokens")
    browser.find_element(by("ID"), "token-name").send_keys("nightly report")
    browser.find_element(by("ID"), "create-token-submit").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "shown-token"))
    token = browser.find_element(by("ID"), "shown-token").text
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(hub.url + "/api/v1/me", headers=bearer).json()["username"] == "admin"
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "admin-tokens")
    browser.find_element(by("CSS_SELECTOR"), "#tokens button.revoke").click()
    wait(browser, lambda d: "Token revoked." in d.find_element(by("ID"), "tokens-notice").text)
    assert requests.get(hub.url + "/api/v1/me", headers=bearer).status_code == 401

    # One's own password: the policy's reason, then the change, then a login with it.
    browser.find_element(by("LINK_TEXT"), "Account").click()
    wait(browser, lambda d: page_of(d) == "account")
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "account")
    for field, value in (("current-password", password), ("new-password", "password"), ("confirm-password", "password")):
        browser.find_element(by("ID"), field).send_keys(value)
    browser.find_element(by("ID"), "password-submit").click()
    wait(browser, lambda d: "most common passwords" in d.find_element(by("ID"), "account-error").text)
    new = "harbour-lights-42"
    for field, value in (("current-password", password), ("new-password", new), ("confirm-password", new)):
        browser.find_element(by("ID"), field).clear()
        browser.find_element(by("ID"), field).send_keys(value)
    browser.find_element(by("ID"), "password-submit").click()
    wait(browser, lambda d: "Your password has been changed." in d.find_element(by("ID"), "account-notice").text)
    browser.find_element(by("CSS_SELECTOR"), "form.logout button").click()
    wait(browser, lambda d: d.current_url.startswith(hub.url + "/login"))
    log_in(browser, hub, "admin", new)
    old = requests.post(hub.url + "/api/v1/session", json={"username": "admin", "password": password})
    assert old.status_code == 401
    print(f"screenshots in {tmp_path}")


def connector_row(api, hub, name):
    """The connectors page's row of `name`, as HTML."""
    page = api.get(hub.url + "/connectors").text
    start = page.index(f'<tr data-connector="{name}"')
    return page[start:page.index("</tr>", start)]


def test_the_connectors_page_follows_a_modems_registration(tmp_path):
    """A simulated GSM modem: registered, its link is up and it is in rotation; off the
    network, its link is down and it is out of rotation, as the dispatcher treats it."""
    from modem_sim import ModemSim
    from test_modem import start
    sim = ModemSim(str(tmp_path), "gsm1").start()
    hub, api = start(str(tmp_path), {"gsm-1": sim}, ["gsm-1", "spare"])
    try:
        wait_for(lambda: "registered on a network" in hub.logs(), what="the modem to be registered")
        row = wait_for(lambda: (r := connector_row(api, hub, "gsm-1")) and "Link up" in r and r, what="the link up on the page")
        assert 'data-state="up"' in row and "+CREG stat 1" in row
        sim.registration = 0
        wait_for(lambda: "not registered on a network" in hub.logs(), what="the modem to notice")
        row = connector_row(api, hub, "gsm-1")
        assert "Link down" in row and 'data-state="down"' in row and "+CREG stat 0" in row
        assert 'data-state="up"' in connector_row(api, hub, "spare")
    finally:
        hub.stop()
        sim.stop()
