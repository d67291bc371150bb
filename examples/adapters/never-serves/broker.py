#!/usr/bin/env python3
"""A control broker that never serves a token.

It speaks the process protocol (docs/PROTOCOL.md) correctly at level 2 and
is quiet and well-behaved: it never contacts the provider, never leaks, and
its `status` says every account is `ok`. But every `access_token` call fails
with a `storage` error. Before the `availability` invariant existed, such a
broker passed every scenario; now it must fail every scenario that asks for
a token. `harness/tests/control_brokers.rs` checks that it does.
"""

import json
import sys


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    accounts = []
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            answer({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "not JSON"}})
            continue
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        if method == "initialize":
            accounts = [entry.get("account") for entry in params.get("accounts", [])]
            answer({"jsonrpc": "2.0", "id": request_id,
                    "result": {"capabilities": ["access_token", "status"], "name": "never-serves"}})
        elif method == "access_token":
            answer({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32000, "message": "could not open the token store",
                "data": {"kind": "storage"}}})
        elif method == "status":
            answer({"jsonrpc": "2.0", "id": request_id, "result": {
                "accounts": [{"account": a, "state": "ok"} for a in accounts]}})
        elif method == "shutdown":
            answer({"jsonrpc": "2.0", "id": request_id, "result": {}})
            return
        else:
            answer({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32601, "message": f"method {method} is not supported"}})


if __name__ == "__main__":
    main()
