"""Schemathesis hooks for `test_openapi_schemathesis.py`, loaded through SCHEMATHESIS_HOOKS.

The run authenticates with one API token, and `DELETE /api/v1/tokens/{id}` with that token's
own id (which `GET /api/v1/tokens` hands to the stateful phase) would log the rest of the run
out: every later request would be a conformant but useless 401. That one request is sent
with an id no token has instead, so it still exercises the operation (404)."""
import os

import schemathesis

RUN_TOKEN_ID = os.environ.get("SWITCHBOARD_SCHEMATHESIS_TOKEN_ID", "")


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method.upper() == "DELETE" and case.operation.path == "/api/v1/tokens/{id}":
        if RUN_TOKEN_ID and (case.path_parameters or {}).get("id") == RUN_TOKEN_ID:
            case.path_parameters["id"] = "not-the-runs-own-token"
