#!/usr/bin/env bash
# Loopback load test of the mock provider's refresh grant, side by side with
# a bare axum server answering fixed JSON (the ceiling) in the same run.
#
# Builds the release `mock-provider` and the `fixed_json_ceiling` example,
# starts each pinned to one core (one tokio worker), drives POST /token
# (grant_type=refresh_token) with wrk pinned to another core, alternating
# mock and ceiling RUNS times, and prints per run: req/s (wall), requests
# per server CPU-second, p50 and p99 latency, and the mock's RSS; then the
# medians and the ratio mock / ceiling.
#
#   scripts/loadtest.sh                         # defaults below
#   CONNECTIONS=256 RUNS=5 scripts/loadtest.sh
#   CEILING=0 scripts/loadtest.sh               # the mock alone
#   MOCK_BIN=/tmp/old-mock-provider scripts/loadtest.sh   # another build
#
# Needs: wrk (Debian: apt-get install -y wrk), taskset (util-linux), curl.
# Every server it starts is stopped by its pid; only 127.0.0.1 is used.
set -euo pipefail

SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
RUNS=${RUNS:-3}
CEILING=${CEILING:-1}

root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -p mock-provider --bin mock-provider --example fixed_json_ceiling \
  --manifest-path "$root/Cargo.toml" >&2
mock_bin=${MOCK_BIN:-$root/target/release/mock-provider}
ceiling_bin=$root/target/release/examples/fixed_json_ceiling

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
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

# start NAME CMD...: runs CMD pinned to the server core, waits for its URI.
start() {
  local name=$1; shift
  TOKIO_WORKER_THREADS=1 RUST_LOG=warn taskset -c "$SERVER_CORE" "$@" >"$work/$name.uri" &
  pids+=($!)
  eval "${name}_pid=$!"
  for _ in $(seq 100); do [[ -s "$work/$name.uri" ]] && break; sleep 0.1; done
  eval "${name}_uri=\$(head -n1 \"\$work/\$name.uri\")"
}

start mock "$mock_bin" --port 0 --config "$work/provider.toml"
if [[ "$CEILING" == 1 ]]; then start ceiling "$ceiling_bin" 0; fi

# The seeded refresh token, from the admin API (test use only).
refresh_token=$(curl -fsS "$mock_uri/__admin/accounts" | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/')
form="grant_type=refresh_token&refresh_token=${refresh_token//\//%2F}&client_id=load.apps.googleusercontent.com&client_secret=GOCSPX-load"
cat >"$work/refresh.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "$form"
LUA

# Sanity: the form must be accepted, or wrk would be measuring errors.
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
  --data "$form" "$mock_uri/token"

# CPU time (user+system, in clock ticks) a server has used so far. On a
# shared machine wall-clock req/s understates the server; requests per
# server CPU-second is what one dedicated core would sustain.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
ticks_per_sec=$(getconf CLK_TCK)
# wrk prints latencies as 1.23ms / 456.00us / 1.20s: in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

declare -A rps cpu p50 p99
# measure NAME: one wrk run against server NAME; appends to its figures.
measure() {
  local name=$1 pid uri before after out total non2xx
  eval "pid=\$${name}_pid; uri=\$${name}_uri"
  before=$(ticks "$pid")
  out=$(taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/refresh.lua" "$uri/token")
  after=$(ticks "$pid")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  local r c l50 l99
  r=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  c=$(awk -v n="$total" -v t="$((after - before))" -v hz="$ticks_per_sec" 'BEGIN { if (t > 0) printf "%.0f", n * hz / t; else print 0 }')
  l50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  l99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  rps[$name]+="$r "; cpu[$name]+="$c "; p50[$name]+="$l50 "; p99[$name]+="$l99 "
  printf '%-8s %8s req/s wall %8s req/CPU-s  p50 %7s ms  p99 %7s ms  RSS %5s MB%s\n' \
    "$name" "$r" "$c" "$l50" "$l99" "$(rss_mb "$pid")" "${non2xx:+  (non-2xx: $non2xx)}"
}

echo "mock RSS at start: $(rss_mb "$mock_pid") MB"
for run in $(seq "$RUNS"); do
  echo "run $run"
  measure mock
  if [[ "$CEILING" == 1 ]]; then measure ceiling; fi
done
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for name in mock ceiling; do
  [[ -n "${rps[$name]:-}" ]] || continue
  printf 'median %-8s %8s req/s wall %8s req/CPU-s  p50 %7s ms  p99 %7s ms\n' "$name" \
    "$(median "${rps[$name]}")" "$(median "${cpu[$name]}")" "$(median "${p50[$name]}")" "$(median "${p99[$name]}")"
done
echo "mock RSS at end: $(rss_mb "$mock_pid") MB"
if [[ "$CEILING" == 1 ]]; then
  awk -v m="$(median "${rps[mock]}")" -v c="$(median "${rps[ceiling]}")" \
      -v mc="$(median "${cpu[mock]}")" -v cc="$(median "${cpu[ceiling]}")" \
      'BEGIN { printf "mock / ceiling: %.0f%% wall, %.0f%% per CPU-second\n", 100 * m / c, 100 * mc / cc }'
fi
echo "(server core $SERVER_CORE, wrk core $CLIENT_CORE, $CONNECTIONS connections, $DURATION x $RUNS; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
