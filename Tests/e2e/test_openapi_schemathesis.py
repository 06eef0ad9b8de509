"""Schemathesis against the API document the hub serves: the document and the server agree.

A real hub is started, an admin token made, and schemathesis generates requests from
`GET /api/v1/openapi.yaml` (examples, coverage, fuzzing and stateful phases) with that token.
A failure is a server error, a status code, content type or body the document does not
declare, or a request the document forbids that the server accepted. Generation is
deterministic (the same requests every run, so CI cannot flake on a lucky draw) and bounded
in examples per operation and in time: about two minutes on a debug build."""
import os
import re
import subprocess
import sys

from conftest import Hub

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    # "Accepted though the schema forbids it": `display_name: null`, `limit=` and the like.
    "negative_data_rejection",
]
EXAMPLES_PER_OPERATION = 100
TIME_LIMIT_SECONDS = 420  # a guard against a hung run, not a speed check: 62 operations took over 230 s at load 12


def test_served_openapi_document_matches_the_server(data_dir):
    hub = Hub(data_dir).start()
    try:
        session = hub.session()
        created = session.post(hub.url + "/api/v1/tokens", json={"name": "schemathesis"})
        assert created.status_code == 201, created.text
        token = created.json()
        env = dict(
            os.environ,
            SCHEMATHESIS_HOOKS="schemathesis_hooks",
            SWITCHBOARD_SCHEMATHESIS_TOKEN_ID=token["id"],
            PYTHONPATH=os.pathsep.join(p for p in [HERE, os.environ.get("PYTHONPATH", "")] if p),
        )
        args = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", os.path.join(HERE, "schemathesis.toml"),
            "run", hub.url + "/api/v1/openapi.yaml",
            "--header", f"Authorization: Bearer {token['token']}",
            "--checks", ",".join(CHECKS),
            "--generation-deterministic",
            "--max-examples", str(EXAMPLES_PER_OPERATION),
            "--workers", "1",
            "--request-timeout", "10",
            "--no-color",
        ]
        try:
            run = subprocess.run(args, capture_output=True, text=True, env=env, cwd=data_dir, timeout=TIME_LIMIT_SECONDS)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"schemathesis ran past {TIME_LIMIT_SECONDS} s:\n{(e.stdout or b'')[-20000:]}")
        report = run.stdout + run.stderr
        # Lines cut short: a reproduced request can carry a thousand addresses.
        readable = "\n".join(line[:500] for line in report.splitlines())
        assert run.returncode == 0, f"schemathesis found mismatches (exit {run.returncode}):\n{readable[-60000:]}"
        # Every operation was selected and tested, none filtered out or skipped.
        counts = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
        assert counts, readable[-3000:]
        selected, total, tested = map(int, counts.groups())
        assert selected == total == tested and total >= 50, readable[-3000:]
        # The run stayed logged in: only the gateway callbacks, which take a connector's secret
        # and not a login, may have answered nothing but 401; and the token still works.
        unauthorized = re.search(r"401 Unauthorized \(\d+ operations?\):\n((?:\s+- .+\n)+)", report)
        only_401 = re.findall(r"- \w+ (\S+)", unauthorized.group(1)) if unauthorized else []
        assert all(path.startswith("/api/v1/connectors/") for path in only_401), only_401
        me = session.get(hub.url + "/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"})
        assert me.status_code == 200, me.text
    finally:
        hub.stop()
