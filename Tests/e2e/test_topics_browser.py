"""The topic chat page in headless Chromium, next to two Python WebSocket clients."""
import shutil

import pytest

from topics_support import PASSWORDS, Client, add_users, start_topic_hub

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_chat_page_talks_with_python_clients(data_dir, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    hub = start_topic_hub(data_dir)
    try:
        tokens = add_users(hub)
        bob, olga = Client(hub, token=tokens["bob"]), Client(hub, token=tokens["olga"])
        bob.history(), olga.history()
        bob.answer(_method="POST", body="before the browser came")

        wait = WebDriverWait(browser, 20)
        browser.get(hub.url + "/topics/chat")
        # Not logged in: the socket is refused and the page offers a login form.
        wait.until(EC.visibility_of_element_located((By.ID, "login")))
        browser.find_element(By.ID, "username").send_keys("alice")
        browser.find_element(By.ID, "password").send_keys(PASSWORDS["alice"])
        browser.find_element(By.ID, "login-button").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        wait.until(lambda d: "before the browser came" in d.find_element(By.ID, "log").text)

        # Python to the browser.
        olga.answer(_method="POST", body="hello from python")
        wait.until(lambda d: "hello from python" in d.find_element(By.ID, "log").text)

        # The browser to both Python clients, as alice (the cookie's user).
        browser.find_element(By.ID, "text").send_keys("hello from chromium")
        browser.find_element(By.ID, "send-button").click()
        for c in (bob, olga):
            row = c.until(lambda f: f["_type"] == "message" and f.get("body") == "hello from chromium")
            assert row["user"] == "alice"

        # A refused write is shown to the person, and the page keeps working.
        browser.find_element(By.ID, "text").send_keys("x" * 201)
        browser.find_element(By.ID, "send-button").click()
        wait.until(lambda d: "200 characters" in d.find_element(By.ID, "error").text)
        assert "alice" in browser.find_element(By.ID, "log").text
    finally:
        browser.quit()
        hub.stop()
