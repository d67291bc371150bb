#!/usr/bin/env bash
# Loopback load test of the mock provider's refresh grant.
#
# Starts the release `mock-provider` pinned to one core (one tokio worker),
# drives POST /token (grant_type=refresh_token) with wrk pinned to another
# core, runs it RUNS times and prints each figure and the median req/s.
#
#   scripts/loadtest.sh                 # defaults below
#   DURATION=20s CONNECTIONS=64 RUNS=5 scripts/loadtest.sh
#
# Needs: wrk (Debian: apt-get install -y wrk), taskset (util-linux), curl.
set -euo pipefail

SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
RUNS=${RUNS:-3}

root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -p mock-provider --manifest-path "$root/Cargo.toml" >&2

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/provider.toml" <<'TOML'
seed = 1
accounts = ["load@example.com"]
[client]
id = "load.apps.googleusercontent.com"
secret = "GOCSPX-load"
[gmail]
mailbox_size = 1
TOML

TOKIO_WORKER_THREADS=1 RUST_LOG=warn taskset -c "$SERVER_CORE" \
  "$root/target/release/mock-provider" --port 0 --config "$work/provider.toml" >"$work/uri" &
server_pid=$!
for _ in $(seq 50); do [[ -s "$work/uri" ]] && break; sleep 0.1; done
uri=$(head -n1 "$work/uri")

# The seeded refresh token, from the admin API (test use only).
refresh_token=$(curl -fsS "$uri/__admin/accounts" | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/')
cat >"$work/refresh.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=refresh_token&refresh_token=${refresh_token//\//%2F}&client_id=load.apps.googleusercontent.com&client_secret=GOCSPX-load"
LUA

# Sanity: the form must be accepted, or wrk would be measuring errors.
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
  --data "$(sed -n 's/^wrk.body = "\(.*\)"$/\1/p' "$work/refresh.lua")" "$uri/token"

# CPU time (user+system, in clock ticks) the server has used so far. On a
# shared machine wall-clock req/s understates the server; requests per
# server CPU-second is what one dedicated core would sustain.
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_sec=$(getconf CLK_TCK)

figures=()
per_cpu=()
for run in $(seq "$RUNS"); do
  before=$(server_ticks)
  out=$(taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/refresh.lua" "$uri/token")
  after=$(server_ticks)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  cpu_rps=$(awk -v n="$total" -v t="$((after - before))" -v hz="$ticks_per_sec" 'BEGIN { if (t > 0) printf "%.0f", n * hz / t; else print "n/a" }')
  echo "run $run: ${rps} req/s wall, ${cpu_rps} req per server CPU-second${non2xx:+ (non-2xx: $non2xx)}"
  figures+=("$rps")
  per_cpu+=("$cpu_rps")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: $(median "${figures[@]}") req/s wall, $(median "${per_cpu[@]}") req per server CPU-second"
echo "(server core $SERVER_CORE, wrk core $CLIENT_CORE, $CONNECTIONS connections, $DURATION x $RUNS; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
