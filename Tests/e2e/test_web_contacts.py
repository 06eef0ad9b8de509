"""The contacts and groups pages in headless Chromium against the real binary: a contact with
a bad phone (the parser's reason shown as it is typed, and again by the server on save), fixed
and saved; a group, a member without email and the warning at the moment of adding; a CSV
import with one bad row and its report; deletion behind a confirmation; a `<script>` in a
name stays text. axe-core on every page, screenshots at phone and desktop width (in the
test's tmp directory, not committed)."""
import pytest

from test_web_browser import CHROMIUM, DRIVER, accessibility_problems, browser, by, log_in, screenshots, wait  # noqa: F401

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")

HOSTILE = "<script>window.pwned='contact'</script>Kari"
BAD_PHONE_REASON = "phone number must have 7 to 15 digits, has 5"


def page_is(browser, name):
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == name)


def text_of(browser, element_id):
    return browser.find_element(by("ID"), element_id).text


def check_page(browser, tmp_path, name):
    assert accessibility_problems(browser) == [], name
    screenshots(browser, tmp_path, name)
    assert browser.execute_script("return window.pwned") is None


def test_contacts_groups_and_import_in_a_browser(hub, browser, tmp_path):
    api = hub.session()
    log_in(browser, hub, hub.admin_password())
    browser.find_element(by("LINK_TEXT"), "Contacts").click()
    page_is(browser, "contacts")
    check_page(browser, tmp_path, "contacts-empty")

    # A new contact: the bad phone's reason appears as it is typed, from the hub's parser.
    browser.find_element(by("ID"), "new-contact").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "contact-form"))
    check_page(browser, tmp_path, "contact-new")
    browser.find_element(by("ID"), "contact-name").send_keys(HOSTILE)
    phone = browser.find_element(by("ID"), "address-0")
    phone.send_keys("+47 123")
    wait(browser, lambda d: text_of(d, "address-0-reason") == BAD_PHONE_REASON, timeout=10)
    assert phone.get_attribute("aria-invalid") == "true"
    # Saved anyway: the server checks again and shows the same reason next to the field.
    browser.find_element(by("ID"), "contact-save").click()
    wait(browser, lambda d: d.find_element(by("ID"), "address-0").get_attribute("value") == "+47 123"
         and text_of(d, "address-0-reason") == BAD_PHONE_REASON)
    assert api.get(hub.url + "/api/v1/contacts").json()["items"] == []
    # Fixed: the reason turns into what the hub will store.
    phone = browser.find_element(by("ID"), "address-0")
    phone.send_keys("45678")
    wait(browser, lambda d: text_of(d, "address-0-reason").endswith("sms:+4712345678"), timeout=10)
    assert phone.get_attribute("aria-invalid") == "false"
    browser.find_element(by("ID"), "add-address").click()
    assert browser.switch_to.active_element.get_attribute("id") == "address-3"
    browser.find_element(by("ID"), "contact-save").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "contact-notice"))
    assert browser.find_element(by("ID"), "page-heading").text == "Contact"
    assert browser.find_element(by("ID"), "contact-name").get_attribute("value") == HOSTILE
    [kari] = api.get(hub.url + "/api/v1/contacts").json()["items"]
    assert kari["name"] == HOSTILE and kari["addresses"] == ["sms:+4712345678"]
    check_page(browser, tmp_path, "contact")

    # A group, and Kari (no email) added to it: the warning shows at once; she is a member.
    browser.find_element(by("LINK_TEXT"), "Groups").click()
    page_is(browser, "groups")
    check_page(browser, tmp_path, "groups-empty")
    browser.find_element(by("ID"), "group-name").send_keys("field-team")
    browser.find_element(by("ID"), "group-description").send_keys("First responders")
    browser.find_element(by("ID"), "create-group").click()
    wait(browser, lambda d: d.current_url.endswith("/groups/field-team"))
    browser.find_element(by("ID"), "member-search").send_keys("kari")
    browser.find_element(by("ID"), "add-member").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "member-warning"))
    assert text_of(browser, "member-warning") == f"{HOSTILE} has no email address: they will not get rich messages or emails."
    assert HOSTILE in text_of(browser, "members")
    members = api.get(hub.url + "/api/v1/groups/field-team/members").json()["items"]
    assert [m["id"] for m in members] == [kari["id"]]
    check_page(browser, tmp_path, "group")

    # Import: one bad row among good ones; every row reported, the bad one with the reason.
    csv = tmp_path / "contacts.csv"
    csv.write_bytes("\ufeffname,phone,email,groups\r\n"
                    "Ola Nordmann,+4798765432,ola@example.org,field-team;ops\r\n"
                    "Per,98765432,,field-team\r\n"
                    "\"<img src=x onerror=\"\"window.pwned='csv'\"\">Lise\",,lise@example.org,\r\n"
                    f"Kari again,+4712345678,kari@example.org,\r\n".encode())
    browser.get(hub.url + "/contacts/import")
    page_is(browser, "contacts")
    check_page(browser, tmp_path, "import")
    browser.find_element(by("ID"), "import-file").send_keys(str(csv))
    browser.find_element(by("ID"), "import-submit").click()
    wait(browser, lambda d: len(d.find_elements(by("CSS_SELECTOR"), "#import-report tbody tr")) == 4)
    rows = browser.find_elements(by("CSS_SELECTOR"), "#import-report tbody tr")
    assert [r.get_attribute("data-outcome") for r in rows] == ["created", "refused", "created", "updated"]
    assert [r.get_attribute("data-line") for r in rows] == ["2", "3", "4", "5"]
    assert "bad phone: phone number must be in international E.164 form" in rows[1].text
    assert "<img src=x" in rows[2].text
    assert "Created 2, updated 1, unchanged 0, refused 1." in text_of(browser, "import-result")
    assert "ops" in text_of(browser, "import-result")
    check_page(browser, tmp_path, "import-report")
    names = sorted(c["name"] for c in api.get(hub.url + "/api/v1/contacts").json()["items"])
    assert names == sorted(["Ola Nordmann", "<img src=x onerror=\"window.pwned='csv'\">Lise", "Kari again"])

    # The list: search finds by phone digits; the page shows names as text.
    browser.get(hub.url + "/contacts")
    assert "<img src=x" in text_of(browser, "contacts")
    browser.find_element(by("ID"), "contacts-q").send_keys("98765")
    browser.find_element(by("CSS_SELECTOR"), "form[role=search] button").click()
    wait(browser, lambda d: "q=98765" in d.current_url)
    assert [a.text for a in browser.find_elements(by("CSS_SELECTOR"), "#contacts tbody a")] == ["Ola Nordmann"]
    check_page(browser, tmp_path, "contacts")

    # Delete, behind a confirmation page.
    browser.find_element(by("LINK_TEXT"), "Ola Nordmann").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "delete-contact"))
    browser.find_element(by("ID"), "delete-contact").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "confirm-delete"))
    assert text_of(browser, "delete-name") == "Ola Nordmann"
    check_page(browser, tmp_path, "contact-delete")
    browser.find_element(by("ID"), "confirm-delete").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "contacts-notice"))
    assert "Ola Nordmann" not in [c["name"] for c in api.get(hub.url + "/api/v1/contacts").json()["items"]]
    assert browser.execute_script("return window.pwned") is None
    print(f"screenshots in {tmp_path}")


def test_the_address_book_pages_forward_and_back_and_the_send_screen_completes_from_the_store(hub, browser, tmp_path):
    """Page 2 of the contacts by its link and back to the start, the search kept in both
    links; then the send screen's completion asks the store for a few contacts by the words
    typed (a contact far down the book, found by its phone number)."""
    api = hub.session()
    csv = "name,phone\n" + "".join(f"Field worker {i:02d},+47900000{i:02d}\n" for i in range(55)) + "Office,+4791111111\n"
    r = api.post(hub.url + "/api/v1/contacts/import", data=csv.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    log_in(browser, hub, hub.admin_password())
    browser.get(hub.url + "/contacts?q=field")
    page_is(browser, "contacts")
    rows = lambda d: [a.text for a in d.find_elements(by("CSS_SELECTOR"), "#contacts a")]  # noqa: E731
    first = rows(browser)
    assert "Field worker 00" in first and "Field worker 54" not in first and "Office" not in first
    browser.find_element(by("ID"), "contacts-next").click()
    wait(browser, lambda d: "cursor=" in d.current_url and "Field worker 54" in rows(d))
    assert "q=field" in browser.current_url, "the next link keeps the search"
    second = rows(browser)
    assert not set(first) & set(second), "nothing of page 1 again"
    assert not browser.find_elements(by("ID"), "contacts-next"), "the last page has no next link"
    check_page(browser, tmp_path, "contacts-page-2")
    page_two = browser.current_url
    browser.find_element(by("LINK_TEXT"), "Back to the start").click()
    wait(browser, lambda d: "cursor=" not in d.current_url and rows(d) == first)
    # The page-2 address is a bookmark: it opens the same page again.
    browser.get(page_two)
    wait(browser, lambda d: rows(d) == second)

    browser.get(hub.url + "/send")
    page_is(browser, "send")
    search = browser.find_element(by("ID"), "recipient-search")
    search.send_keys("90000054")
    options = lambda d: [o.get_attribute("label") or "" for o in d.find_elements(by("CSS_SELECTOR"), "#recipient-options option")]  # noqa: E731
    wait(browser, lambda d: any("Field worker 54" in label for label in options(d)), timeout=10)
    assert len(options(browser)) == 1, options(browser)
