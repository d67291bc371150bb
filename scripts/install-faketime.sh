#!/usr/bin/env bash
# Installs libfaketime (Debian package `faketime`) when it is missing.
#
# The harness preloads libfaketimeMT.so.1 (the multi-threaded build, in the
# same package; libfaketime.so.1 without it) into process brokers so that the
# scenario steps `skew_clock` and `jump_clock` move a broker process's wall
# clock (docs/SCENARIOS.md). Nothing is downloaded at run time: this script
# is the project's one install step for it, called by .ci/run.
#
#   scripts/install-faketime.sh          # no-op when the library is there
#
# The harness also honours OAUTH_CHAOS_LIBFAKETIME=/path/to/libfaketime.so.1.
set -euo pipefail

found() {
    if [[ -n "${OAUTH_CHAOS_LIBFAKETIME:-}" && -f "${OAUTH_CHAOS_LIBFAKETIME}" ]]; then
        return 0
    fi
    compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null \
        || compgen -G '/usr/lib/faketime/libfaketime.so.1' >/dev/null
}

if found; then
    echo "libfaketime: already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "libfaketime: not found and apt-get is not available;" \
        "install libfaketime and set OAUTH_CHAOS_LIBFAKETIME" >&2
    exit 1
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq faketime >/dev/null
found && echo "libfaketime: installed"
