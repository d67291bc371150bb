"""Refreshes a token against the mock with Google's own Python library.

google-auth (google.oauth2.credentials.Credentials) is what most Python
code uses to refresh Google tokens; if it accepts the mock's answers and
fails the way it fails against Google, the mock is faithful where it
matters. Reads one JSON object from argv[1]; prints one JSON line.
"""

import datetime
import json
import sys

import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials


def main() -> None:
    config = json.loads(sys.argv[1])
    credentials = google.oauth2.credentials.Credentials(
        token=None,
        refresh_token=config["refresh_token"],
        token_uri=config["token_uri"],
        client_id=config["client_id"],
        client_secret=config["client_secret"],
    )
    request = google.auth.transport.requests.Request()
    try:
        credentials.refresh(request)
    except google.auth.exceptions.RefreshError as error:
        # The library's message quotes the provider's body; the test checks
        # the error code in it, never prints a secret of its own.
        print(json.dumps({"ok": False, "error": type(error).__name__, "message": str(error),
                          "retryable": getattr(error, "retryable", None)}))
        return
    expiry = credentials.expiry
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    print(json.dumps({
        "ok": True,
        "token": credentials.token,
        "valid": credentials.valid,
        "expires_in_s": (expiry - now).total_seconds() if expiry else None,
    }))


if __name__ == "__main__":
    main()
