#!/usr/bin/env python3
"""A black-box probe of the standalone mock provider (issue 14).

Starts the `mock-provider` binary on 127.0.0.1 with a temporary config (two
accounts, the email/profile scopes, a service account from Google's JSON key
file format), then talks to it only over HTTP: curl-like requests, PyJWT,
google-auth and Authlib (scripts/install-test-deps.sh installs them). Each
line says PASS or FAIL; the exit status is the number of failures.

    cargo build --release -p mock-provider --bin mock-provider
    python3 scripts/probe-standalone.py [path/to/mock-provider]

The server is stopped by its pid; its temp directory is removed.
"""
import atexit, base64, email, email.utils, hashlib, json, os, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.parse
import requests, jwt
from jwt import PyJWKClient
import google.auth.transport.requests as gatr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/mock-provider")
WORK = tempfile.mkdtemp(prefix="probe-standalone-")
PEM = open(os.path.join(ROOT, "mock-provider/tests/keys/service_account.pem")).read()
KEY = {"type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": PEM,
       "client_email": "robot@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": ""}
json.dump(KEY, open(os.path.join(WORK, "robot-key.json"), "w"))
open(os.path.join(WORK, "provider.toml"), "w").write("""seed = 7
accounts = ["alice@example.com", "bob@example.com"]
scopes = ["openid", "email", "profile", "https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send"]
[oauth]
redirect_uris = ["http://127.0.0.1:8765/callback"]
[[service_accounts]]
key_file = "robot-key.json"
""")
server = subprocess.Popen([BINARY, "--port", "0", "--config", os.path.join(WORK, "provider.toml")],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
atexit.register(lambda: (server.kill(), server.wait(), shutil.rmtree(WORK, ignore_errors=True)))
URI = server.stdout.readline().strip()
ok = []; bad = []
def check(name, cond, detail=""):
    (ok if cond else bad).append(name)
    print(("PASS " if cond else "FAIL ") + name + ("" if cond else f"  {detail}"))

# 1. issuer & discovery
d = requests.get(URI + "/.well-known/openid-configuration").json()
check("discovery issuer is the base URI", d["issuer"] == URI, d["issuer"])
urls = [v for k, v in d.items() if isinstance(v, str) and v.startswith("http")]
check("every advertised URL starts with the base URI", all(u.startswith(URI) for u in urls), urls)
check("userinfo and device endpoints advertised", "userinfo_endpoint" in d and "device_authorization_endpoint" in d, list(d))
POST_ONLY = {d["token_endpoint"], d["revocation_endpoint"], d["device_authorization_endpoint"]}
for u in urls:
    if u == d["issuer"]: continue
    r = requests.request("POST" if u in POST_ONLY else "GET", u)
    check(f"advertised {u[len(URI):]} is served (not 404)", r.status_code != 404, r.status_code)

accts = requests.get(URI + "/__admin/accounts").json()
cid, csec = accts["client_id"], accts["client_secret"]

# 5,8. Authorization code + PKCE with email profile
verifier = secrets.token_urlsafe(48)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
params = dict(client_id=cid, redirect_uri="http://127.0.0.1:8765/callback", response_type="code",
              scope="email profile", state="st4te", code_challenge=challenge, code_challenge_method="S256",
              access_type="offline", nonce="n0nce", login_hint="alice@example.com")
r = requests.get(d["authorization_endpoint"], params=params, allow_redirects=False)
loc = urllib.parse.urlparse(r.headers.get("location", ""))
q = dict(urllib.parse.parse_qsl(loc.query))
check("authorize redirects with code, state, iss", r.status_code == 302 and q.get("state") == "st4te" and q.get("iss") == URI, (r.status_code, q))
check("authorize scope expanded from email profile", "userinfo.email" in q.get("scope", "") and "openid" in q.get("scope", ""), q.get("scope"))
t = requests.post(d["token_endpoint"], data=dict(grant_type="authorization_code", code=q["code"], redirect_uri=params["redirect_uri"],
    client_id=cid, client_secret=csec, code_verifier=verifier)).json()
check("code exchange returns an id_token for email profile", "id_token" in t, t)
jwk = PyJWKClient(d["jwks_uri"]).get_signing_key_from_jwt(t["id_token"])
claims = jwt.decode(t["id_token"], jwk.key, algorithms=["RS256"], audience=cid, issuer=URI)
check("PyJWT verifies id_token with the base URI as issuer", True)
check("id_token exp - iat == 3600", claims["exp"] - claims["iat"] == 3600, claims["exp"] - claims["iat"])
h = hashlib.sha256(t["access_token"].encode()).digest()[:16]
check("id_token at_hash matches", claims.get("at_hash") == base64.urlsafe_b64encode(h).rstrip(b"=").decode(), claims.get("at_hash"))
check("id_token nonce and email claims", claims.get("nonce") == "n0nce" and claims.get("email") == "alice@example.com" and claims.get("email_verified") is True, claims)
# userinfo
ui = requests.get(d["userinfo_endpoint"], headers={"Authorization": "Bearer " + t["access_token"]})
check("userinfo answers claims", ui.status_code == 200 and ui.json().get("email") == "alice@example.com", ui.text)
ui = requests.get(d["userinfo_endpoint"], headers={"Authorization": "Bearer nope"})
check("userinfo bad token 401 JSON with WWW-Authenticate", ui.status_code == 401 and ui.json()["error"] and "WWW-Authenticate" in ui.headers, (ui.status_code, ui.text))
ui = requests.post(d["userinfo_endpoint"], headers={"Authorization": "Bearer " + t["access_token"]})
check("userinfo POST works", ui.status_code == 200, ui.status_code)

# 6. precedence on /token
r = requests.post(d["token_endpoint"], data={})
check("empty /token body: unsupported_grant_type", r.status_code == 400 and r.json()["error"] == "unsupported_grant_type", r.text)
r = requests.post(d["token_endpoint"], data=dict(grant_type="refresh_token", refresh_token="x"))
check("refresh without client: invalid_request no client", r.status_code == 400 and r.json()["error"] == "invalid_request", r.text)

# Gmail: padded raw, RFC 5322, history recovery
alice_rt = [a for a in accts["accounts"] if a["email"] == "alice@example.com"][0]["refresh_token"]
tok = requests.post(d["token_endpoint"], data=dict(grant_type="refresh_token", refresh_token=alice_rt, client_id=cid, client_secret=csec)).json()["access_token"]
H = {"Authorization": "Bearer " + tok}
G = URI + "/gmail/v1/users/me"
ms = requests.get(G + "/messages", headers=H).json()["messages"]
dates_ok = padded_ok = True
for m in ms:
    raw = requests.get(G + f"/messages/{m['id']}", params={"format": "raw"}, headers=H).json()["raw"]
    padded_ok &= len(raw) % 4 == 0
    msg = email.message_from_bytes(base64.urlsafe_b64decode(raw))
    try: email.utils.parsedate_to_datetime(msg["Date"])
    except Exception: dates_ok = False
    full = requests.get(G + f"/messages/{m['id']}", params={"format": "full"}, headers=H).json()
    data = full["payload"]["body"].get("data") or full["payload"]["parts"][0]["body"]["data"]
    base64.urlsafe_b64decode(data)
check(f"raw is padded base64url for {len(ms)} messages", padded_ok)
check("every Date parses with parsedate_to_datetime", dates_ok)
prof = requests.get(G + "/profile", headers=H).json()
requests.post(URI + "/__admin/lifecycle", json={"op": "expire_history", "account": "alice@example.com"})
r = requests.get(G + "/history", params={"startHistoryId": prof["historyId"]}, headers=H)
check("old historyId 404 after expire_history", r.status_code == 404, r.status_code)
prof2 = requests.get(G + "/profile", headers=H).json()
r = requests.get(G + "/history", params={"startHistoryId": prof2["historyId"]}, headers=H)
check("new profile historyId works right after full sync", r.status_code == 200, (r.status_code, r.text))
# upload path and limits
big = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMessage-ID: <big@x>\r\n\r\n" + b"x" * (6 * 1024 * 1024)
r = requests.post(URI + "/upload/gmail/v1/users/me/messages/send", params={"uploadType": "media"}, data=big, headers={**H, "Content-Type": "message/rfc822"})
check("6 MiB send via upload path accepted", r.status_code == 200, (r.status_code, r.text[:200]))
r = requests.post(G + "/messages/send", json={"raw": base64.urlsafe_b64encode(big).decode()}, headers=H)
check("6 MiB JSON send: Gmail 413 envelope", r.status_code == 413 and "error" in r.json() and r.json()["error"].get("code") == 413, (r.status_code, r.text[:200]))

# Hardening: JSON everywhere Google answers JSON (the OAuth hosts' unknown
# paths and wrong methods get Google's HTML 404: docs/MOCK_FIDELITY.md)
for method, path in [("PUT", "/token"), ("GET", "/nowhere"), ("BREW", "/token")]:
    r = requests.request(method, URI + path)
    check(f"{method} {path}: Google's HTML 404", r.status_code == 404 and "text/html" in r.headers.get("content-type", ""), (r.status_code, r.headers.get("content-type")))
for method, path in [("DELETE", "/__admin/accounts"), ("GET", "/gmail/v1/users/%ff/profile"), ("DELETE", "/gmail/v1/users/me/profile"),
                     ("GET", "/__admin/mailboxes/%ff"), ("GET", "/__admin/nothing"), ("GET", "/gmail/v1/users/me/messages/%ff")]:
    r = requests.request(method, URI + path, headers=H)
    ctype = r.headers.get("content-type", "")
    try: r.json(); js = True
    except Exception: js = False
    check(f"{method} {path} answers JSON ({r.status_code})", js and "json" in ctype, (r.status_code, ctype, r.text[:80]))
# header injection
r = requests.post(URI + "/__admin/mailboxes/alice@example.com/messages", json={"from": "x@example.com\r\nBcc: evil@example.com", "subject": "hi\r\nX-Injected: 1", "body": "b"})
if r.status_code < 300:
    mid = r.json().get("id")
    raw = requests.get(G + f"/messages/{mid}", params={"format": "raw"}, headers=H).json()["raw"]
    msg = email.message_from_bytes(base64.urlsafe_b64decode(raw))
    check("CRLF in admin message headers injects nothing", msg["Bcc"] is None and msg["X-Injected"] is None, (msg.keys()))
else:
    check("CRLF in admin message refused", r.status_code == 400, r.text)
# admin value validation
for spec in [{"endpoint": "token", "every": 0, "action": {"server_error": {"status": 503}}},
             {"endpoint": "token", "action": {"delay_uniform": {"min_ms": 10, "max_ms": 1}}},
             {"endpoint": "token", "action": {"delay_log_normal": {"median_ms": 1, "sigma": 1e308}}},
             {"endpoint": "token", "action": {"delay": {"ms": 18446744073709551615}}},
             {"endpoint": "token", "action": {"respond": {"status": 101}}},
             {"endpoint": "token", "action": {"respond": {"status": 200, "headers": {"Content-Length": "999"}}}},
             {"endpoint": "token", "action": {"server_error": {"status": 418}}}]:
    r = requests.post(URI + "/__admin/faults", json=spec)
    check(f"admin refuses {json.dumps(spec['action'])[:50]} {spec.get('every','')}", r.status_code == 400 and "json" in r.headers.get("content-type", ""), (r.status_code, r.text[:120]))
r = requests.post(URI + "/__admin/lifecycle", json={"op": "revoke_account", "account": "nobody@example.com"})
check("revoke_account unknown: 404", r.status_code == 404, (r.status_code, r.text))
r = requests.post(URI + "/__admin/faults", data="{bad json")
check("bad JSON names (body)", r.status_code == 400 and "(body)" in r.text, r.text)
# body cut short
s = socket.create_connection(("127.0.0.1", urllib.parse.urlparse(URI).port))
s.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=refresh")
s.shutdown(socket.SHUT_WR); resp = s.recv(4096).decode(errors="replace"); s.close()
check("short body not called 413", "413" not in resp.split("\r\n")[0], resp.split("\r\n")[0])

# device flow
dc = requests.post(d["device_authorization_endpoint"], data=dict(client_id=cid, scope="openid email")).json()
check("device code has verification_url, interval 5, expires 1800", dc.get("verification_url", "").startswith(URI) and dc["interval"] == 5 and dc["expires_in"] == 1800, dc)
poll = lambda: requests.post(d["token_endpoint"], data=dict(client_id=cid, client_secret=csec, device_code=dc["device_code"], grant_type="urn:ietf:params:oauth:grant-type:device_code"))
r = poll(); check("first poll 428 authorization_pending", r.status_code == 428 and r.json()["error"] == "authorization_pending", (r.status_code, r.text))
r = poll(); check("fast poll 403 slow_down", r.status_code == 403 and r.json()["error"] == "slow_down", (r.status_code, r.text))
requests.post(URI + f"/__admin/device_codes/{dc['user_code']}/approve", json={})
requests.post(URI + "/__admin/clock", json={"jump_ms": 20000})
r = poll(); check("approved poll returns tokens with id_token", r.status_code == 200 and "id_token" in r.json(), (r.status_code, r.text[:200]))
dc2 = requests.post(d["device_authorization_endpoint"], data=dict(client_id=cid, scope="openid")).json()
requests.post(URI + f"/__admin/device_codes/{dc2['user_code']}/deny")
r = requests.post(d["token_endpoint"], data=dict(client_id=cid, client_secret=csec, device_code=dc2["device_code"], grant_type="urn:ietf:params:oauth:grant-type:device_code"))
check("denied poll 403 access_denied", r.status_code == 403 and r.json()["error"] == "access_denied", (r.status_code, r.text))
dc3 = requests.post(d["device_authorization_endpoint"], data=dict(client_id=cid, scope="openid")).json()
requests.post(URI + "/__admin/clock", json={"jump_ms": 1801000})
r = requests.post(d["token_endpoint"], data=dict(client_id=cid, client_secret=csec, device_code=dc3["device_code"], grant_type="urn:ietf:params:oauth:grant-type:device_code"))
check("expired poll 400 expired_token", r.status_code == 400 and r.json()["error"] == "expired_token", (r.status_code, r.text))
r = requests.post(d["device_authorization_endpoint"], data=dict(client_id=cid, scope="https://www.googleapis.com/auth/gmail.readonly"))
check("device flow refuses Gmail scope", r.status_code == 400, (r.status_code, r.text))
j = requests.get(URI + "/__admin/journal", params={"endpoint": "device_code"}).json()
check("device_code requests journaled", j.get("entries") and len(j["entries"]) >= 3, str(j)[:200])

# service account via google-auth
from google.oauth2 import service_account
info = dict(KEY, token_uri=d["token_endpoint"])
creds = service_account.Credentials.from_service_account_info(info, scopes=["https://www.googleapis.com/auth/gmail.readonly"])
try:
    creds.refresh(gatr.Request()); check("google-auth service account jwt-bearer from config", bool(creds.token))
except Exception as e:
    check("google-auth service account jwt-bearer from config", False, repr(e))
# google-auth user creds refresh
from google.oauth2.credentials import Credentials
uc = Credentials(None, refresh_token=alice_rt, token_uri=d["token_endpoint"], client_id=cid, client_secret=csec)
uc.refresh(gatr.Request()); check("google-auth refresh", bool(uc.token))
# authlib discovery-only client
from authlib.integrations.requests_client import OAuth2Session
sess = OAuth2Session(cid, csec, scope="openid email", redirect_uri="http://127.0.0.1:8765/callback", code_challenge_method="S256")
url, state = sess.create_authorization_url(d["authorization_endpoint"], code_verifier=verifier, nonce="n2", login_hint="alice@example.com")
r = requests.get(url, allow_redirects=False)
tk = sess.fetch_token(d["token_endpoint"], authorization_response=r.headers["location"], code_verifier=verifier)
check("authlib code flow via discovery", "id_token" in tk, tk.keys())
# revoke
r = requests.post(d["revocation_endpoint"], data={"token": tk["access_token"]})
check("revoke 200", r.status_code == 200, r.status_code)

# slowloris: header timeout
port = urllib.parse.urlparse(URI).port
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET /token HTTP/1.1\r\nHost: x\r\n")
s.settimeout(25); t0 = time.time()
try: got = s.recv(100)
except socket.timeout: got = None
check(f"slow head closed by the server ({time.time()-t0:.1f}s)", got is not None and time.time() - t0 < 20, got)
print(f"\n{len(ok)} passed, {len(bad)} failed")
for b in bad: print("  FAILED:", b)
sys.exit(len(bad))
