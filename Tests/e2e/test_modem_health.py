"""A modem's health as an operator sees it (metrics) and the route failing over to a real HTTP
gateway connector (the issue's "done when": fail over to an HTTP gateway when the modem loses
the network), against the real binary, `modem_sim.py` and the recording gateway stand-in."""
import os
import re
import tempfile
import textwrap

import pytest

from conftest import Hub
from gateway_standin import RecordingGateway
from modem_sim import ModemSim
from modem_watch import forget_watched, wait_for, watch  # noqa: F401 - forget_watched is an autouse fixture
from test_modem import delivery, modem_yaml, send


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="switchboard-modem-health-") as d:
        yield d


def gauge(text, name, connector):
    m = re.search(rf'^{name}{{connector="{connector}"}} (\S+)$', text, re.MULTILINE)
    return float(m.group(1)) if m else None


def test_health_is_in_the_metrics_and_the_route_fails_over_to_an_http_gateway_and_back(workdir):
    sim = watch(ModemSim(workdir, "gsm1", csq=17).start())
    with RecordingGateway() as gateway:
        config = os.path.join(workdir, "switchboard.yaml")
        with open(config, "w") as f:
            f.write("connectors:\n" + modem_yaml("gsm-1", sim))
            f.write(textwrap.dedent(f"""\
                  gateway:
                    engine: http-gateway
                    channels: [sms]
                    url: "http://127.0.0.1:{gateway.port}/send?to={{to}}&text={{text}}"
                    timeout: 5s
                channels:
                  sms:
                    route: [gsm-1, gateway]
                    retry: {{delay: 1s, jitter: 0s}}
                dispatcher:
                  poll_interval: 200ms
                """))
        hub = watch(Hub(workdir, config=config).start())
        try:
            api = hub.session()
            wait_for(lambda: "registered on a network: in the route" in hub.logs(), what="the modem registered")
            metrics = lambda: api.get(f"{hub.url}/metrics").text  # noqa: E731
            wait_for(lambda: gauge(metrics(), "switchboard_modem_signal_rssi", "gsm-1") == 17, what="the signal gauge")
            assert gauge(metrics(), "switchboard_modem_registered", "gsm-1") == 1

            sim.registration = 3  # registration denied: no network
            wait_for(lambda: gauge(metrics(), "switchboard_modem_registered", "gsm-1") == 0, what="the registered gauge at 0")
            away = send(hub, api, "sms:+4712345678", "while the modem has no network")
            h = wait_for(lambda: (h := delivery(hub, api, away))["delivery"]["status"] == "sent" and h, what="sent by the gateway")
            assert h["delivery"]["connector"] == "gateway"
            assert [(r["params"]["to"], r["params"]["text"]) for r in gateway.requests] == [
                ("+4712345678", "while the modem has no network")
            ]

            sim.registration = 1
            wait_for(lambda: gauge(metrics(), "switchboard_modem_registered", "gsm-1") == 1, what="the modem back in the route")
            back = send(hub, api, "sms:+4712345678", "the modem is back")
            wait_for(lambda: delivery(hub, api, back)["delivery"]["status"] == "delivered", what="delivered by the modem")
            assert delivery(hub, api, back)["delivery"]["connector"] == "gsm-1"
            assert len(gateway.requests) == 1
        finally:
            hub.stop()
            sim.stop()
    assert not sim.errors, sim.errors
