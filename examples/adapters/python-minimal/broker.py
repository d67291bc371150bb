#!/usr/bin/env python3
"""A minimal token broker speaking the oauth-chaos process protocol.

Standard library only. It implements protocol level 2 (docs/PROTOCOL.md):
initialize, access_token, status and shutdown, with a token cache and a
per-account lock so concurrent callers share one refresh (single flight).

Run it against the harness:

    oauth-chaos run scenarios/ --broker 'cmd:python3 examples/adapters/python-minimal/broker.py'

Logs go to stderr and never contain a token: the harness scans them.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# Stop serving a cached token this long before it expires (or at a quarter
# of its lifetime left, for short-lived tokens).
REFRESH_MARGIN_SECONDS = 60
HTTP_TIMEOUT_SECONDS = 10


def log(message):
    print(f"python-minimal: {message}", file=sys.stderr, flush=True)


class BrokerError(Exception):
    def __init__(self, kind, message, code=-32000):
        super().__init__(message)
        self.kind = kind
        self.code = code


class Broker:
    def __init__(self, params):
        store = (params.get("store") or {}).get("kind", "memory")
        if store != "memory":
            # The harness reports a scenario needing another store as not
            # applicable to this broker, rather than failed. Only the scheme
            # is named: the rest may be a database URL with a password.
            scheme = store.split(":", 1)[0]
            raise BrokerError("unsupported", f"store kind `{scheme}` is not supported (memory only)",
                              code=-32602)
        self.token_url = params["provider"]["token_url"]
        # The scenario's client timeout when the harness sends one.
        timeout_ms = params.get("http_timeout_ms")
        self.http_timeout = timeout_ms / 1000 if timeout_ms else HTTP_TIMEOUT_SECONDS
        self.client_id = params["client"]["id"]
        self.client_secret = params["client"]["secret"]
        self.accounts = {}
        for entry in params.get("accounts", []):
            self.accounts[entry["account"]] = {
                "refresh_token": entry["refresh_token"],
                "access_token": None,
                "expires_at": 0.0,
                "margin": REFRESH_MARGIN_SECONDS,
                "state": "no_token",
                "lock": threading.Lock(),
            }

    def access_token(self, account, rejected=None):
        slot = self.accounts.get(account)
        if slot is None:
            raise BrokerError("unknown_account", f"unknown account {account}")
        with slot["lock"]:  # single flight: one refresh per account at a time
            if slot["state"] == "needs_reauth":
                raise BrokerError("revoked", f"{account} needs re-authorization")
            if rejected is not None and slot["access_token"] == rejected:
                # An API answered 401 to the cached token: it is dead whatever
                # its expiry says. A newer one (another caller's 401 got here
                # first) is served as it is.
                log(f"token of {account} rejected by an api; refreshing")
                slot["access_token"] = None
            if slot["access_token"] and time.time() < slot["expires_at"] - slot["margin"]:
                return slot["access_token"]
            return self._refresh(account, slot)

    def _refresh(self, account, slot):
        form = urllib.parse.urlencode({
            "grant_type": "refresh_token",
            "refresh_token": slot["refresh_token"],
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST")
        sent_at = time.time()
        try:
            with urllib.request.urlopen(request, timeout=self.http_timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as error:
            code = ""
            try:
                code = json.loads(error.read()).get("error", "")
            except (ValueError, AttributeError):
                pass
            log(f"refresh for {account} failed with http {error.code} {code}")
            if code in ("invalid_grant", "invalid_client", "unauthorized_client"):
                slot["state"] = "needs_reauth"
                slot["access_token"] = None
                raise BrokerError("revoked", f"the provider refused the grant for {account}")
            slot["state"] = "degraded"
            raise BrokerError("transient", f"token endpoint answered http {error.code}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            log(f"refresh for {account} failed: {type(error).__name__}")
            slot["state"] = "degraded"
            raise BrokerError("transient", "could not reach the token endpoint")
        slot["access_token"] = body["access_token"]
        lifetime = float(body["expires_in"])
        slot["expires_at"] = sent_at + lifetime
        slot["margin"] = min(REFRESH_MARGIN_SECONDS, lifetime / 4)
        slot["state"] = "ok"
        log(f"refreshed {account}")
        return slot["access_token"]

    def status(self):
        return {"accounts": [
            {"account": name, "state": slot["state"]}
            for name, slot in sorted(self.accounts.items())
        ]}


class Server:
    def __init__(self):
        self.broker = None
        self.write_lock = threading.Lock()

    def send(self, message):
        line = json.dumps(message)
        with self.write_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def handle(self, request):
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        try:
            if method == "initialize":
                self.broker = Broker(params)
                result = {"capabilities": ["access_token", "status"], "name": "python-minimal"}
            elif self.broker is None and method != "shutdown":
                raise BrokerError("not_initialized", "call initialize first")
            elif method == "access_token":
                result = {"access_token": self.broker.access_token(
                    params["account"], params.get("rejected"))}
            elif method == "status":
                result = self.broker.status()
            elif method == "shutdown":
                result = {}
            else:
                self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                    "code": -32601, "message": f"method {method} is not supported"}})
                return
            self.send({"jsonrpc": "2.0", "id": request_id, "result": result})
        except BrokerError as error:
            self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": error.code, "message": str(error), "data": {"kind": error.kind}}})
        except (KeyError, TypeError, ValueError) as error:
            self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32602, "message": f"bad params: {type(error).__name__}"}})

    def run(self):
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError:
                self.send({"jsonrpc": "2.0", "id": None,
                           "error": {"code": -32700, "message": "not JSON"}})
                continue
            if request.get("method") == "shutdown":
                self.handle(request)
                return
            # One thread per request: answers may go out of order.
            threading.Thread(target=self.handle, args=(request,), daemon=True).start()


if __name__ == "__main__":
    Server().run()
