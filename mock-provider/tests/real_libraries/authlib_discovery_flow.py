"""Drives the mock purely from its discovery document with Authlib, a real
OAuth 2.0 / OpenID Connect client: authorization-code flow with PKCE S256,
id_token verification against the advertised JWKS and issuer (by Authlib,
and again by google-auth), userinfo, refresh, revocation. The script knows only the issuer URL, the client and
the redirect URI; every endpoint comes from discovery. Prints one JSON line
of what it saw (never a token value).
"""

import hashlib
import json
import sys
import urllib.parse
import warnings

import requests
from authlib.integrations.requests_client import OAuth2Session

warnings.simplefilter("ignore")  # authlib.jose's deprecation notice

import google.auth.transport.requests  # noqa: E402
import google.oauth2.id_token  # noqa: E402
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402


def main() -> None:
    config = json.loads(sys.argv[1])
    issuer = config["issuer"]
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    client = OAuth2Session(
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        scope="openid email profile",
        redirect_uri=config["redirect_uri"],
        code_challenge_method="S256",
    )
    verifier = hashlib.sha256(b"authlib-discovery-test").hexdigest()
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"],
        code_verifier=verifier,
        access_type="offline",
        # The account already has a grant: Google sends a new refresh token
        # only with prompt=consent.
        prompt="consent",
        nonce="n-42",
    )
    redirect = requests.get(url, allow_redirects=False, timeout=10)
    location = redirect.headers["location"]
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    claims = JsonWebToken(["RS256"]).decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
        claims_params={"nonce": "n-42", "client_id": config["client_id"]},
    )
    claims.params["access_token"] = token["access_token"]
    claims.validate()  # iss, aud, exp, iat, nonce, at_hash
    # Google's own library verifies the same id_token against the same JWKS.
    google_claims = google.oauth2.id_token.verify_token(
        token["id_token"],
        google.auth.transport.requests.Request(),
        audience=config["client_id"],
        certs_url=metadata["jwks_uri"],
    )
    userinfo = client.get(metadata["userinfo_endpoint"], timeout=10).json()
    refreshed = client.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    revoked = client.revoke_token(metadata["revocation_endpoint"], token=token["refresh_token"])
    print(json.dumps({
        "endpoints": {k: v for k, v in metadata.items() if k.endswith("_endpoint") or k == "jwks_uri"},
        "issuer": metadata["issuer"],
        "redirect_iss": urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("iss", [None])[0],
        "state_echoed": state in location,
        "token_scope": token["scope"],
        "id_token_iss": claims["iss"],
        "id_token_lifetime": claims["exp"] - claims["iat"],
        "id_token_email": claims.get("email"),
        "google_auth_iss": google_claims.get("iss"),
        "userinfo": userinfo,
        "refreshed": "access_token" in refreshed,
        "revoke_status": revoked.status_code,
    }))


if __name__ == "__main__":
    main()
