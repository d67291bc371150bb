#!/usr/bin/env bash
# Installs what the scenarios and tests need beyond Rust, when it is
# missing: libfaketime (clock skew for broker processes), libfiu (store
# faults in broker processes) and real Python
# OAuth clients, Google's auth library and Authlib (to check the mock
# against them). Idempotent;
# called by .ci/run first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-faketime.sh
bash scripts/install-fiu.sh

if python3 -c "import google.auth, google.oauth2.credentials, requests, authlib, jwt" 2>/dev/null; then
    echo "google-auth, authlib, PyJWT: present"
else
    echo "google-auth, authlib, PyJWT: installing (scripts/python-test-requirements.txt)"
    python3 -m pip install --quiet --disable-pip-version-check \
        -r scripts/python-test-requirements.txt
fi
