#!/usr/bin/env python3
"""Live rows in real browser pages, for web-bench (Benchmarks/WebBench): opens PAGES headless
Chromium pages on the hub's inbox (`/`, logged in with the session cookie), injects MESSAGES
inbound messages through the message tester, and prints, as one JSON line, each row's time
from just before the injecting request to the moment the page inserted it (a
MutationObserver's Date.now(); the same machine clock as the injector's).

    web_live_browser.py BASE_URL COOKIE [PAGES] [MESSAGES] [INTERVAL_MS]

COOKIE is `switchboard_session=…`. Needs Debian's chromium and chromium-driver and selenium
(scripts/test.sh installs them). Run by web-bench with --browser-pages; usable alone against
any hub.
"""
import json
import shutil
import sys
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

OBSERVER = """
window.__rows = {};
const seen = () => {
  for (const li of document.querySelectorAll('#unread-items li[data-id]')) {
    if (!(li.dataset.id in window.__rows)) window.__rows[li.dataset.id] = Date.now();
  }
};
seen();
new MutationObserver(seen).observe(document.body, { subtree: true, childList: true });
"""


def open_page(base, cookie):
    options = Options()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    name, value = cookie.split("=", 1)
    driver.get(base + "/login")
    driver.add_cookie({"name": name, "value": value, "path": "/"})
    driver.get(base + "/")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.getElementById('live-status')?.dataset.live") == "true")
    driver.execute_script(OBSERVER)
    return driver


def main():
    base, cookie = sys.argv[1], sys.argv[2]
    pages = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    messages = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    interval = (int(sys.argv[5]) if len(sys.argv) > 5 else 100) / 1000
    drivers = [open_page(base, cookie) for _ in range(pages)]
    try:
        api = requests.Session()
        api.headers["Cookie"] = cookie
        sent = {}
        start = time.time()
        for k in range(messages):
            time.sleep(max(0, start + k * interval - time.time()))
            t0 = time.time() * 1000
            r = api.post(base + "/api/v1/tester/inbound", json={"from": f"sms:+4742{k:06d}", "text": f"Browser {k}: gauge 7 rising"})
            r.raise_for_status()
            sent[str(r.json()["inbox_item_id"])] = t0
        deadline = time.time() + 20
        latencies = []
        for driver in drivers:
            while True:
                rows = driver.execute_script("return window.__rows")
                if all(i in rows for i in sent) or time.time() > deadline:
                    break
                time.sleep(0.2)
            latencies += [rows[i] - t0 for i, t0 in sent.items() if i in rows]
        print(json.dumps({"pages": pages, "messages": messages, "rows": len(latencies), "latencies_ms": sorted(latencies)}))
    finally:
        for driver in drivers:
            driver.quit()


if __name__ == "__main__":
    main()
