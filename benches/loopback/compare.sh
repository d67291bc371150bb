#!/usr/bin/env bash
# The mock provider over loopback, side by side with what users would pick
# instead, and with a bare axum handler (the ceiling).
#
# Installs the peers at pinned versions into benches/loopback/.peers/
# (git-ignored): oauth2-mock-server (npm, peers/package-lock.json) and
# oidc-provider-mock (PyPI, peers/requirements.txt); wrk from Debian if it
# is missing. Starts on 127.0.0.1, each pinned to core $SERVER_CORE:
#   oauth-chaos         the release `mock-provider` (one tokio worker)
#   ceiling             `fixed-json-ceiling` (one tokio worker) answering
#                       the bodies the oauth-chaos mock answered
#   oidc-provider-mock  its CLI (uvicorn, as installed)
#   oauth2-mock-server  its CLI (node)
# and drives each endpoint with wrk pinned to core $CLIENT_CORE: the
# refresh grant, discovery and JWKS, at each of $CONNECTIONS connections,
# $DURATION per run, $ROUNDS rounds (servers interleaved within a round).
# Before each run it waits (bounded) for a quiet machine (quiet.sh).
#
# Prints one row per run and then the tables (requests/s, p50, p99, server
# CPU share, RSS, ratios to oauth-chaos and to the ceiling). Rows go to
# $OUT (TSV). Every server is stopped by its pid on exit.
#
#   benches/loopback/compare.sh
#   DURATION=5s ROUNDS=1 CONNECTIONS=32 ENDPOINTS=refresh benches/loopback/compare.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=quiet.sh
source "$here/quiet.sh"

SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-"32 256"}
ROUNDS=${ROUNDS:-2}
ENDPOINTS=${ENDPOINTS:-"refresh discovery jwks"}
SERVERS=${SERVERS:-"oauth-chaos ceiling oidc-provider-mock oauth2-mock-server"}
OUT=${OUT:-$root/target/bench-results/loopback.tsv}
peers=$here/.peers

install_peers() {
  mkdir -p "$peers"
  if ! command -v wrk >/dev/null; then
    echo "== installing wrk (Debian)" >&2
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get install -y wrk >&2
  fi
  if ! cmp -s "$here/peers/package-lock.json" "$peers/package-lock.json" \
    || [[ ! -x $peers/node_modules/.bin/oauth2-mock-server ]]; then
    echo "== installing oauth2-mock-server (npm, pinned)" >&2
    cp "$here/peers/package.json" "$here/peers/package-lock.json" "$peers/"
    (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  if ! cmp -s "$here/peers/requirements.txt" "$peers/requirements.txt" \
    || [[ ! -x $peers/venv/bin/oidc-provider-mock ]]; then
    echo "== installing oidc-provider-mock (PyPI, pinned)" >&2
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install --quiet --disable-pip-version-check \
      -r "$here/peers/requirements.txt" >&2
    cp "$here/peers/requirements.txt" "$peers/"
  fi
}

work=$(mktemp -d)
declare -A pid uri refresh_lua refresh_path jwks_path
order=()
cleanup() {
  local name
  for name in "${!pid[@]}"; do
    kill "${pid[$name]}" 2>/dev/null || true
  done
  for name in "${!pid[@]}"; do
    for _ in $(seq 20); do kill -0 "${pid[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${pid[$name]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until GET $1 answers 200 (at most 30 s).
wait_until_up() {
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2
  return 1
}

# Writes a wrk script POSTing form $2 (with optional header line $3) to $1.
form_lua() {
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    [[ -n ${3:-} ]] && echo "$3"
    echo "wrk.body = \"$2\""
  } >"$1"
}

# The form of a wrk script, sent once with curl: the run must measure
# successes, not errors.
check_refresh() {
  local name=$1 body header
  body=$(sed -n 's/^wrk.body = "\(.*\)"$/\1/p' "${refresh_lua[$name]}")
  header=$(sed -n 's/^wrk.headers\["Authorization"\] = "\(.*\)"$/\1/p' "${refresh_lua[$name]}")
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    ${header:+-H "Authorization: $header"} --data "$body" "${uri[$name]}${refresh_path[$name]}" \
    || { echo "$name refused the refresh grant" >&2; return 1; }
}

start_oauth_chaos() {
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
    "$root/target/release/mock-provider" --port 0 --config "$work/provider.toml" >"$work/oc.uri" &
  pid[oauth-chaos]=$!
  order+=(oauth-chaos)
  for _ in $(seq 100); do [[ -s $work/oc.uri ]] && break; sleep 0.1; done
  uri[oauth-chaos]=$(head -n1 "$work/oc.uri")
  local token
  token=$(curl -fsS "${uri[oauth-chaos]}/__admin/accounts" | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/')
  refresh_lua[oauth-chaos]=$work/oc-refresh.lua
  refresh_path[oauth-chaos]=/token
  jwks_path[oauth-chaos]=/oauth2/v3/certs
  form_lua "${refresh_lua[oauth-chaos]}" \
    "grant_type=refresh_token&refresh_token=${token//\//%2F}&client_id=load.apps.googleusercontent.com&client_secret=GOCSPX-load"
}

# The ceiling answers exactly what oauth-chaos answered.
start_ceiling() {
  local base=${uri[oauth-chaos]} body
  body=$(sed -n 's/^wrk.body = "\(.*\)"$/\1/p' "${refresh_lua[oauth-chaos]}")
  curl -fsS -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data "$body" \
    "$base/token" >"$work/token.json"
  curl -fsS "$base/.well-known/openid-configuration" >"$work/discovery.json"
  curl -fsS "$base/oauth2/v3/certs" >"$work/jwks.json"
  TOKIO_WORKER_THREADS=1 taskset -c "$SERVER_CORE" "$root/target/release/fixed-json-ceiling" \
    --port 0 --token "$work/token.json" --discovery "$work/discovery.json" \
    --jwks "$work/jwks.json" >"$work/ceiling.uri" &
  pid[ceiling]=$!
  order+=(ceiling)
  for _ in $(seq 100); do [[ -s $work/ceiling.uri ]] && break; sleep 0.1; done
  uri[ceiling]=$(head -n1 "$work/ceiling.uri")
  refresh_lua[ceiling]=${refresh_lua[oauth-chaos]}
  refresh_path[ceiling]=/token
  jwks_path[ceiling]=/oauth2/v3/certs
}

# oidc-provider-mock issues refresh tokens from a code flow; it takes client
# credentials by HTTP Basic on the refresh grant.
start_oidc_provider_mock() {
  local port code token
  port=$(free_port)
  taskset -c "$SERVER_CORE" "$peers/venv/bin/oidc-provider-mock" -p "$port" \
    >"$work/oidc.log" 2>&1 &
  pid[oidc-provider-mock]=$!
  order+=(oidc-provider-mock)
  uri[oidc-provider-mock]=http://127.0.0.1:$port
  wait_until_up "${uri[oidc-provider-mock]}/.well-known/openid-configuration"
  code=$(curl -fsS -o /dev/null -w '%{redirect_url}' -X POST --data 'sub=load@example.com' \
    "${uri[oidc-provider-mock]}/oauth2/authorize?client_id=load&redirect_uri=http://127.0.0.1/cb&response_type=code&scope=openid%20email&state=s" \
    | sed -E 's/.*[?&]code=([^&]+).*/\1/')
  token=$(curl -fsS -X POST --data "grant_type=authorization_code&code=$code&redirect_uri=http://127.0.0.1/cb&client_id=load&client_secret=secret" \
    "${uri[oidc-provider-mock]}/oauth2/token" | sed -E 's/.*"refresh_token": *"([^"]+)".*/\1/')
  refresh_lua[oidc-provider-mock]=$work/oidc-refresh.lua
  refresh_path[oidc-provider-mock]=/oauth2/token
  jwks_path[oidc-provider-mock]=/jwks
  form_lua "${refresh_lua[oidc-provider-mock]}" "grant_type=refresh_token&refresh_token=$token" \
    "wrk.headers[\"Authorization\"] = \"Basic $(printf 'load:secret' | base64)\""
}

# oauth2-mock-server accepts any refresh token.
start_oauth2_mock_server() {
  local port
  port=$(free_port)
  taskset -c "$SERVER_CORE" "$peers/node_modules/.bin/oauth2-mock-server" -a 127.0.0.1 -p "$port" \
    >"$work/o2m.log" 2>&1 &
  pid[oauth2-mock-server]=$!
  order+=(oauth2-mock-server)
  uri[oauth2-mock-server]=http://127.0.0.1:$port
  wait_until_up "${uri[oauth2-mock-server]}/.well-known/openid-configuration"
  refresh_lua[oauth2-mock-server]=$work/o2m-refresh.lua
  refresh_path[oauth2-mock-server]=/token
  jwks_path[oauth2-mock-server]=/jwks
  form_lua "${refresh_lua[oauth2-mock-server]}" \
    "grant_type=refresh_token&refresh_token=load-refresh&client_id=load&scope=openid"
}

server_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# wrk's latency figure ("635.91us", "1.42ms", "2.01s") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# One wrk run; appends a TSV row to $OUT and prints it.
measure() {
  local name=$1 endpoint=$2 conns=$3 round=$4 url script=() quiet=yes
  case $endpoint in
    refresh) url=${uri[$name]}${refresh_path[$name]}; script=(-s "${refresh_lua[$name]}") ;;
    discovery) url=${uri[$name]}/.well-known/openid-configuration ;;
    jwks) url=${uri[$name]}${jwks_path[$name]} ;;
  esac
  wait_for_quiet || quiet=no
  local ticks_before core_before core_after out ticks_after seconds
  ticks_before=$(server_ticks "${pid[$name]}")
  read -r core_before _ < <(cpu_ticks "cpu$SERVER_CORE")
  out=$(taskset -c "$CLIENT_CORE" wrk -t1 -c"$conns" -d"$DURATION" --latency "${script[@]}" "$url")
  ticks_after=$(server_ticks "${pid[$name]}")
  read -r core_after _ < <(cpu_ticks "cpu$SERVER_CORE")
  seconds=$(awk '/requests in/ { v = $4; sub(/,$/, "", v); print v }' <<<"$out")
  local rps p50 p99 errors non2xx cpu other rss
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  local hz secs
  hz=$(getconf CLK_TCK)
  secs=$(to_ms "$seconds")
  cpu=$(awk -v t="$((ticks_after - ticks_before))" -v hz="$hz" -v ms="$secs" \
    'BEGIN { printf "%.2f", (ms > 0 ? t / hz / (ms / 1000) : 0) }')
  # Core time on the server's core that was not the server's: other jobs.
  other=$(awk -v c="$((core_after - core_before - (ticks_after - ticks_before)))" -v hz="$hz" -v ms="$secs" \
    'BEGIN { v = (ms > 0 ? c / hz / (ms / 1000) : 0); printf "%.2f", (v < 0 ? 0 : v) }')
  rss=$(rss_mb "${pid[$name]}")
  local row
  row=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$name" "$endpoint" "$conns" "$round" \
    "$rps" "$p50" "$p99" "$cpu" "$rss" "$((${non2xx:-0} + ${errors:-0}))" "$QUIET_LAST" "$quiet" "$other")
  echo "$row" >>"$OUT"
  printf '%-19s %-9s c=%-4s round %s: %7s req/s  p50 %7s ms  p99 %8s ms  cpu %s  rss %5s MB  errors %s  (busy before %s, others on core %s: %s)\n' \
    "$name" "$endpoint" "$conns" "$round" "$rps" "$p50" "$p99" "$cpu" "$rss" \
    "$((${non2xx:-0} + ${errors:-0}))" "$QUIET_LAST" "$SERVER_CORE" "$other"
}

install_peers
echo "== building the release mock-provider and fixed-json-ceiling" >&2
cargo build --release -q -p mock-provider -p benches --bin mock-provider --bin fixed-json-ceiling \
  --manifest-path "$root/Cargo.toml" >&2

for name in $SERVERS; do
  case $name in
    oauth-chaos) start_oauth_chaos ;;
    ceiling) [[ -n ${uri[oauth-chaos]:-} ]] || start_oauth_chaos; start_ceiling ;;
    oidc-provider-mock) start_oidc_provider_mock ;;
    oauth2-mock-server) start_oauth2_mock_server ;;
    *) echo "unknown server \`$name\`" >&2; exit 2 ;;
  esac
done
for name in "${order[@]}"; do
  wait_until_up "${uri[$name]}/.well-known/openid-configuration"
  check_refresh "$name"
done

mkdir -p "$(dirname "$OUT")"
printf 'server\tendpoint\tconnections\tround\trps\tp50_ms\tp99_ms\tserver_cpu\trss_mb\terrors\tbusy_before\tquiet\tothers_on_server_core\n' >"$OUT"
echo "== $DURATION per run, servers on core $SERVER_CORE, wrk on core $CLIENT_CORE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for endpoint in $ENDPOINTS; do
    for conns in $CONNECTIONS; do
      for name in "${order[@]}"; do
        measure "$name" "$endpoint" "$conns" "$round"
      done
    done
  done
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); rows in $OUT"
cargo run --release -q -p benches --bin bench-summary --manifest-path "$root/Cargo.toml" -- \
  loopback "$OUT"
