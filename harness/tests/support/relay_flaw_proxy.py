"""A broken token relay for the relay checkers' process tests. The harness
runs it as the relay under test (`--relay`), so it is started as
`python3 relay_flaw_proxy.py FLAW TOKEN_RELAY --config relay.toml`, and
it breaks the relay contract (docs/PROTOCOL.md, "The relay under test")
the way FLAW says:

  leak-refresh-token  a proxy in front of the real relay that adds the
                      account's refresh token to every token answer
  wide-scopes         the real relay, with every role widened to all the
                      scopes its account may grant
  never-serves        listens and answers every token request 503
                      `upstream_unavailable` (retryable): nobody ever gets a token
  logs-credentials    a proxy in front of the real relay whose access log on
                      stderr prints each consumer's `Authorization` header
"""

import http.server
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import tomllib
import urllib.error
import urllib.request

flaw = sys.argv[1]
relay_command = sys.argv[2:-2]
config_path = pathlib.Path(sys.argv[-1])
config = tomllib.loads(config_path.read_text())
host, port = config["listen"].rsplit(":", 1)


def toml_value(value):
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def write_toml(document, path):
    """Writes the relay.toml subset: top-level values, one table, arrays of tables."""
    lines = []
    tables = []
    for key, value in document.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {toml_value(value)}")
    for key, value in tables:
        for entry in value if isinstance(value, list) else [value]:
            lines.append(f"\n[[{key}]]" if isinstance(value, list) else f"\n[{key}]")
            lines.extend(f"{k} = {toml_value(v)}" for k, v in entry.items())
    path.write_text("\n".join(lines) + "\n")


def start_relay(document):
    """Starts the real relay on `document`; its URI (first stdout line)."""
    directory = config_path.parent
    # Named after the flaw, so a test can see that nothing outlived the run.
    path = pathlib.Path(tempfile.mkdtemp(prefix=f"{flaw}-", dir=directory)) / "relay.toml"
    for account in document.get("service_accounts", []):
        account["key_file"] = str(directory / account["key_file"])
    write_toml(document, path)
    relay = subprocess.Popen(relay_command + ["--config", str(path)], stdout=subprocess.PIPE, text=True)
    uri = relay.stdout.readline().strip()
    threading.Thread(target=relay.stdout.read, daemon=True).start()
    return relay, uri


def refresh_tokens():
    """The refresh tokens the relay was given (a restart's config names none:
    the first start's `relay.toml` beside it does)."""
    first = tomllib.loads((config_path.parent / "relay.toml").read_text())
    names = [a.get("refresh_token_env") for a in first.get("accounts", [])]
    return [os.environ[name] for name in names if name and name in os.environ]


if flaw == "wide-scopes":
    for role in config.get("roles", []):
        account = role["account"]
        widest = set(role["scopes"])
        for other in config.get("roles", []):
            if other["account"] == account:
                widest.update(other["scopes"])
        for service in config.get("service_accounts", []):
            if service["name"] == account:
                widest.update(service["scopes"])
        role["scopes"] = sorted(widest)
    config["listen"] = f"{host}:{port}"
    relay, uri = start_relay(config)
    print(uri, flush=True)
    sys.exit(relay.wait())


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if flaw == "never-serves":
            self.answer(503, {"error": "upstream_unavailable", "error_description": "down", "retryable": True})
            return
        if flaw == "logs-credentials":
            sys.stderr.write(f"POST {self.path} authorization: {self.headers.get('Authorization')}\n")
            sys.stderr.flush()
        request = urllib.request.Request(
            UPSTREAM + self.path,
            data=body,
            method="POST",
            headers={"Authorization": self.headers.get("Authorization", "")},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read() or b"{}")
        if status == 200 and flaw == "leak-refresh-token":
            answer["refresh_token"] = LEAKED
        self.answer(status, answer)


UPSTREAM = ""
LEAKED = ""
if flaw in ("leak-refresh-token", "logs-credentials"):
    inner = dict(config)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inner["listen"] = f"127.0.0.1:{probe.getsockname()[1]}"
    LEAKED = (refresh_tokens() or ["no-refresh-token"])[0]
    _, UPSTREAM = start_relay(inner)
elif flaw != "never-serves":
    sys.exit(f"unknown flaw `{flaw}`")

server = http.server.ThreadingHTTPServer((host, int(port)), Handler)
print(f"http://{host}:{port}", flush=True)
server.serve_forever()
