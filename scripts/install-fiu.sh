#!/usr/bin/env bash
# Installs libfiu's preload libraries (Debian package `fiu-utils`, which
# brings `libfiu0`) when they are missing.
#
# The harness preloads /usr/lib/fiu/fiu_run_preload.so and
# fiu_posix_preload.so into a broker process whose provisioned store is
# SQLite, and enables failure points through the preload's control FIFO
# to make the store read-only (pwrite fails with EROFS), full (ENOSPC) or
# unreachable (docs/ARCHITECTURE.md, "Store faults for processes").
# Without it those steps are skipped and the invariants judging them are
# unknown. Called by scripts/install-test-deps.sh, hence by .ci/run.
#
#   scripts/install-fiu.sh          # no-op when the libraries are there
#
# The harness also honours OAUTH_CHAOS_LIBFIU_DIR=/dir/with/the/preloads.
set -euo pipefail

found() {
    local dir="${OAUTH_CHAOS_LIBFIU_DIR:-/usr/lib/fiu}"
    [[ -f "$dir/fiu_run_preload.so" && -f "$dir/fiu_posix_preload.so" ]]
}

if found; then
    echo "libfiu: already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "libfiu: not found and apt-get is not available;" \
        "install libfiu and set OAUTH_CHAOS_LIBFIU_DIR" >&2
    exit 1
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq fiu-utils >/dev/null
found && echo "libfiu: installed"
