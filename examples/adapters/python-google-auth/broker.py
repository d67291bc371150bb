#!/usr/bin/env python3
"""google-auth (Google's Python auth library) behind the oauth-chaos process protocol.

The broker is the library, wired as its documentation shows for a stored
user grant: one `google.oauth2.credentials.Credentials` per account (refresh
token, token URI, client id and secret), refreshed through
`google.auth.transport.requests.Request` when `credentials.valid` is false.
The library decides everything else: its refresh margin (225 s before
expiry, `google.auth._helpers.REFRESH_THRESHOLD`), its retries of a failed
refresh (`google.oauth2._client`: 429 and 5xx, three attempts with
`time.sleep` backoff), and the errors it raises. The adapter adds one lock per
account, so concurrent callers share one refresh (Credentials are not
thread-safe), and maps the library's exceptions to the protocol's kinds.

    oauth-chaos run scenarios/ --broker \
      'cmd:env FAKETIME_DONT_FAKE_MONOTONIC=0 python3 examples/adapters/python-google-auth/broker.py'

With a `file:DIR` store it keeps each account's credentials as the
library's quickstart does: `Credentials.from_authorized_user_file` at start
(a restarted process serves the stored token), and `credentials.to_json()`
written in place with `open(path, "w")` after every refresh. A write that
fails (a read-only or full disk) is logged and reported as `degraded`; the
token in memory is still served. The files hold the refresh token and the
client secret in clear, as the quickstart's `token.json` does.

It keeps google-auth's own HTTP timeout (120 s, the default of
`google.auth.transport.requests.Request`) and ignores `http_timeout_ms`:
the library's docs configure none.

The `env` prefix: the library sleeps between retries with `time.sleep`,
which libfaketime 0.9.10 breaks unless the monotonic clock is faked too
(docs/PROTOCOL.md, "Time"). google-auth is installed, pinned, by
scripts/install-test-deps.sh. Logs go to stderr and never hold a token.
"""

import json
import os
import sys
import threading
import urllib.parse

import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials
import requests

# Answers that mean the grant is gone: stop, report needs_reauth.
PERMANENT = ("invalid_grant", "invalid_client", "unauthorized_client")


def log(message):
    print(f"python-google-auth: {message}", file=sys.stderr, flush=True)


class BrokerError(Exception):
    def __init__(self, kind, message, code=-32000):
        super().__init__(message)
        self.kind = kind
        self.code = code


class Account:
    def __init__(self, params, name, refresh_token, path):
        self.path = path
        self.credentials = None
        if path is not None and os.path.exists(path):
            try:
                self.credentials = google.oauth2.credentials.Credentials.from_authorized_user_file(
                    path)
            except (OSError, ValueError) as error:
                log(f"stored credentials for {name} unreadable ({type(error).__name__}); "
                    "starting from the configured grant")
        if self.credentials is None:
            self.credentials = google.oauth2.credentials.Credentials(
                token=None,
                refresh_token=refresh_token,
                token_uri=params["provider"]["token_url"],
                client_id=params["client"]["id"],
                client_secret=params["client"]["secret"],
            )
        self.lock = threading.Lock()
        self.state = "ok" if self.credentials.valid else "no_token"

    def save(self, name):
        """Writes the credentials as the quickstart does; False if the disk refused."""
        if self.path is None:
            return True
        try:
            with open(self.path, "w") as token:
                token.write(self.credentials.to_json())
            return True
        except OSError as error:
            log(f"could not store the credentials of {name}: {type(error).__name__} "
                f"errno {error.errno}; serving from memory")
            return False


class Broker:
    def __init__(self, params):
        store = (params.get("store") or {}).get("kind", "memory")
        directory = None
        if store.startswith("file:"):
            directory = store[len("file:"):]
            os.makedirs(directory, exist_ok=True)
        elif store != "memory":
            scheme = store.split(":", 1)[0]
            raise BrokerError("unsupported",
                              f"store kind `{scheme}` is not supported (memory and file: only)",
                              code=-32602)
        # One HTTP session for every refresh, as the library's docs do.
        self.request = google.auth.transport.requests.Request(session=requests.Session())
        self.accounts = {}
        for entry in params.get("accounts", []):
            name = entry["account"]
            path = None
            if directory is not None:
                path = os.path.join(directory, urllib.parse.quote(name, safe="") + ".json")
            self.accounts[name] = Account(params, name, entry["refresh_token"], path)

    def access_token(self, name, rejected=None):
        account = self.accounts.get(name)
        if account is None:
            raise BrokerError("unknown_account", "no such account")
        with account.lock:
            credentials = account.credentials
            if account.state == "needs_reauth":
                raise BrokerError("revoked", f"the grant for {name} was refused")
            if rejected is not None and credentials.token == rejected:
                # The API said 401: the library's own answer is to refresh.
                credentials.token = None
            if not credentials.valid:
                self._refresh(name, account)
            return credentials.token

    def _refresh(self, name, account):
        try:
            account.credentials.refresh(self.request)
        except google.auth.exceptions.RefreshError as error:
            text = str(error)
            log(f"refresh for {name} failed: RefreshError {text.split(':', 1)[0][:60]}")
            if any(code in text for code in PERMANENT):
                account.state = "needs_reauth"
                raise BrokerError("revoked", f"the provider refused the grant for {name}")
            account.state = "degraded"
            raise BrokerError("transient", "the token endpoint refused the refresh")
        except google.auth.exceptions.TransportError as error:
            log(f"refresh for {name} failed: TransportError")
            account.state = "degraded"
            raise BrokerError("transient", "could not reach the token endpoint")
        account.state = "ok" if account.save(name) else "degraded"
        log(f"refreshed {name}")

    def status(self):
        return {"accounts": [
            {"account": name, "state": account.state}
            for name, account in sorted(self.accounts.items())
        ]}


class Server:
    def __init__(self):
        self.broker = None
        self.write_lock = threading.Lock()

    def send(self, message):
        with self.write_lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    def handle(self, request):
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        try:
            if method == "initialize":
                self.broker = Broker(params)
                result = {"capabilities": ["access_token", "status"], "name": "python-google-auth"}
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
            threading.Thread(target=self.handle, args=(request,), daemon=True).start()


if __name__ == "__main__":
    Server().run()
