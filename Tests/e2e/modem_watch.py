"""What a failing modem test shows: `wait_for` as in conftest, but a timeout's message carries
the log of every hub and the line transcript of every simulated modem the test is watching,
so a failure seen once in CI can be read afterwards instead of guessed at."""
import pytest

import conftest

_watched = []


def watch(*things):
    """Shows these (a `Hub`, a `ModemSim`) when a `wait_for` of this test times out."""
    _watched.extend(t for t in things if t not in _watched)
    return things[0] if len(things) == 1 else things


def diagnostics():
    parts = []
    for thing in _watched:
        if hasattr(thing, "transcript_text"):
            parts.append(f"--- modem {thing.device} (silent={thing.silent}) transcript ---\n{thing.transcript_text()}")
        elif hasattr(thing, "logs"):
            # The test's own polling of the API is logged as info once a request: left out.
            lines = [line for line in thing.logs().splitlines() if not (" info " in line and "http.method=" in line)]
            parts.append(f"--- hub {thing.url} log (without info lines for HTTP requests) ---\n" + "\n".join(lines[-400:]))
    return "\n".join(parts)


def wait_for(predicate, **kwargs):
    try:
        return conftest.wait_for(predicate, **kwargs)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{diagnostics()}") from None


@pytest.fixture(autouse=True)
def forget_watched():
    """Each test watches only its own hubs and modems."""
    _watched.clear()
    yield
    _watched.clear()
