"""`switchboard check-config` and `serve --config` with real files."""
import os
import subprocess
import textwrap

from conftest import BIN, Hub

ROOT = os.path.join(os.path.dirname(__file__), "../..")


def check(path, env=None):
    return subprocess.run([BIN, "check-config", "--config", path], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


def test_example_configuration_is_valid():
    r = check(os.path.join(ROOT, "switchboard.example.yaml"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "configuration OK" in r.stdout


def test_the_file_may_be_a_plain_argument(tmp_path):
    example = os.path.join(ROOT, "switchboard.example.yaml")
    r = subprocess.run([BIN, "check-config", example], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stdout + r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  port: 99999\n")
    r = subprocess.run([BIN, "check-config", str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "server.port" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([BIN, "check-config", example, "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "two configuration files" in r.stderr, r.stdout + r.stderr


def test_every_problem_reported_with_key_path_and_line(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(textwrap.dedent("""\
        server:
          port: 99999
        connectors:
          tester:
            engine: bucket
            channels: [sms]
            latency: soon
          mystery:
            engine: carrier-pigeon
            channels: [sms]
        channels:
          sms:
            route: [tester, nowhere]
        colour: blue
        """))
    r = check(str(cfg))
    assert r.returncode == 1
    out = r.stdout
    assert "server.port (line 2)" in out, out
    assert "connectors.tester.latency (line 7)" in out, out
    assert "connectors.mystery.engine (line 9)" in out and "carrier-pigeon" in out, out
    assert "nowhere" in out, out
    assert "colour (line 14): unknown key" in out, out


def test_serve_refuses_a_bad_configuration(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("server:\n  port: not-a-port\n")
    h = Hub(str(tmp_path), config=str(cfg))
    r = subprocess.run(h.args(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "server.port" in r.stderr + r.stdout


def test_two_connectors_of_one_engine_and_a_route(tmp_path):
    cfg = tmp_path / "two.yaml"
    cfg.write_text(textwrap.dedent("""\
        connectors:
          primary:
            engine: bucket
            channels: [sms]
            permanent_failure_rate: 1
          backup:
            engine: bucket
            channels: [sms]
        channels:
          sms:
            route: [primary, backup]
        """))
    h = Hub(str(tmp_path), config=str(cfg)).start()
    try:
        s = h.session()
        r = s.post(h.url + "/api/v1/messages", json={"to": ["sms:+4712345678"], "text": "failover"})
        assert r.status_code == 202, r.text
        mid = r.json()["id"]
        import time
        for _ in range(150):
            d = s.get(h.url + f"/api/v1/messages/{mid}").json()["deliveries"][0]
            if d["status"] == "sent":
                break
            time.sleep(0.1)
        assert d["status"] == "sent" and d["connector"] == "backup", d
        assert s.get(h.url + "/api/v1/tester/sent", params={"connector": "primary"}).json()["items"] == []
        assert len(s.get(h.url + "/api/v1/tester/sent", params={"connector": "backup"}).json()["items"]) == 1
    finally:
        h.stop()


BROKEN_ALERT_YAML = textwrap.dedent("""\
    topics:
      chat:
        columns: {body: TEXT}
        alert:
          to: ["ops@example.org"]
          subject: "{{user}} wrote"
          text: "{{#body}} never closed"
    """)


def test_check_config_reports_a_topic_alert_template_that_does_not_compile(tmp_path):
    cfg = tmp_path / "alert.yaml"
    cfg.write_text(BROKEN_ALERT_YAML)
    r = check(str(cfg))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "topics.chat.alert.text (line 7): the Mustache template does not compile" in r.stdout, r.stdout
    cfg.write_text(BROKEN_ALERT_YAML.replace("{{#body}} never closed", "{{user}}: {{body}}"))
    r = check(str(cfg))
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stdout + r.stderr


def test_serve_refuses_a_topic_alert_template_that_does_not_compile(tmp_path):
    cfg = tmp_path / "alert.yaml"
    cfg.write_text(BROKEN_ALERT_YAML)
    h = Hub(str(tmp_path), config=str(cfg))
    r = subprocess.run(h.args(), capture_output=True, text=True, timeout=60, env=h.env)
    assert r.returncode != 0
    assert "topics.chat.alert.text (line 7): the Mustache template does not compile" in r.stderr + r.stdout, r.stderr + r.stdout


def test_check_config_and_serve_refuse_a_yaml_bomb_at_once(tmp_path):
    cfg = tmp_path / "bomb.yaml"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{b}: &{b} [" + ",".join([f"*{a}"] * 9) + "]" for a, b in zip("abcdefgh", "bcdefghi")]
    cfg.write_text("\n".join(lines) + "\n")
    assert len(cfg.read_bytes()) < 400
    r = check(str(cfg))  # 30 s timeout; unlimited it ran for a minute and took 4.4 GB
    assert r.returncode == 1, r.stdout + r.stderr
    assert "e[0] (line 5): aliases and merge keys (*name, <<) expand to more than 10000 nodes" in r.stdout, r.stdout
    h = Hub(str(tmp_path), config=str(cfg))
    r = subprocess.run(h.args(), capture_output=True, text=True, timeout=30, env=h.env)
    assert r.returncode != 0 and "expand to more than 10000 nodes" in r.stderr + r.stdout, r.stderr + r.stdout


BROKEN_RESPONDER_YAML = textwrap.dedent("""\
    conversations:
      responders:
        report:
          keywords: [report]
          steps:
            - name: what
              prompt: "What happened, {{_from}}?"
          on_complete:
            summary: "{{#what}} never closed"
    """)


def test_check_config_and_serve_refuse_a_responder_template_that_does_not_compile(tmp_path):
    cfg = tmp_path / "responder.yaml"
    cfg.write_text(BROKEN_RESPONDER_YAML)
    r = check(str(cfg))
    assert r.returncode == 1, r.stdout + r.stderr
    problem = "conversations.responders.report.on_complete.summary (line 9): the Mustache template does not compile"
    assert problem in r.stdout, r.stdout
    h = Hub(str(tmp_path), config=str(cfg))
    r = subprocess.run(h.args(), capture_output=True, text=True, timeout=60, env=h.env)
    assert r.returncode != 0
    assert problem in r.stderr + r.stdout, r.stderr + r.stdout
    cfg.write_text(BROKEN_RESPONDER_YAML.replace("{{#what}} never closed", "Thank you: {{what}}"))
    r = check(str(cfg))
    assert r.returncode == 0 and "configuration OK" in r.stdout, r.stdout + r.stderr
