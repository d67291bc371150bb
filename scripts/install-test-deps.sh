#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, when it is missing:
# Google's Python auth library (to check the mock against a real client).
# Idempotent; called by .ci/run before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if python3 -c "import google.auth, google.oauth2.credentials, requests" 2>/dev/null; then
    echo "google-auth: present"
else
    echo "google-auth: installing (scripts/python-test-requirements.txt)"
    python3 -m pip install --quiet --disable-pip-version-check \
        -r scripts/python-test-requirements.txt
fi
