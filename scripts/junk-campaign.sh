#!/usr/bin/env bash
# A junk-request campaign against the standalone mock provider, to show its
# memory stays bounded: starts the release `mock-provider` with its default
# capacities, throws a mix of junk (wrong methods, `%ff` and random paths,
# bodies of random bytes, admin and Gmail routes) and valid refreshes at it
# with wrk for DURATION, and prints the requests served, the requests/s and
# the server's RSS at start, after warm-up, every 10 s and at the end, plus how many
# answers were 5xx (none may be: no fault is mounted).
#
#   scripts/junk-campaign.sh                    # 60 s, 64 connections
#   DURATION=120s CONNECTIONS=256 scripts/junk-campaign.sh
#
# Needs: wrk (Debian: apt-get install -y wrk), taskset, curl. Only 127.0.0.1;
# the server is stopped by its pid.
set -euo pipefail

DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -p mock-provider --bin mock-provider --manifest-path "$root/Cargo.toml" >&2

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

TOKIO_WORKER_THREADS=1 RUST_LOG=error taskset -c "$SERVER_CORE" \
  "$root/target/release/mock-provider" --port 0 --seed 3 >"$work/uri" &
server_pid=$!
for _ in $(seq 100); do [[ -s "$work/uri" ]] && break; sleep 0.1; done
uri=$(head -n1 "$work/uri")
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }
rss_start=$(rss_mb)

accounts=$(curl -fsS "$uri/__admin/accounts")
refresh_token=$(sed -E 's/.*"refresh_token":"([^"]+)".*/\1/' <<<"$accounts")
client_id=$(sed -E 's/.*"client_id":"([^"]+)".*/\1/' <<<"$accounts")
client_secret=$(sed -E 's/.*"client_secret":"([^"]+)".*/\1/' <<<"$accounts")

cat >"$work/junk.lua" <<LUA
math.randomseed(7)
local refresh = "grant_type=refresh_token&refresh_token=${refresh_token//\//%2F}&client_id=$client_id&client_secret=$client_secret"
-- No HEAD: wrk's parser does not know which request an answer belongs to and
-- waits for the body a HEAD answer's Content-Length announces, stalling the
-- connection until the server's idle timeout (HEAD is in the black-box tests).
local methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"}
local users = {"me", "alice@example.com", "%ff", "%c3%28", "%00", "x"}
local gmail = {"profile", "messages", "history", "messages/send", "messages/%ff", "messages/abc", "drafts"}
local admin = {"faults/%ff", "lifecycle", "clock", "journal?since=%ff", "accounts", "nowhere",
               "mailboxes/%ff", "mailboxes/alice@example.com/messages", "device_codes/%ff/approve"}
-- GET /__admin/secrets lists every kept secret (100,000 at capacity, about
-- 10 MB): WITH_SECRETS=0 leaves it out to price the rest.
if ${WITH_SECRETS:-1} == 1 then table.insert(admin, "secrets") end
local oauth = {"/token", "/revoke", "/tokeninfo?access_token=%ff", "/.well-known/openid-configuration",
               "/oauth2/v3/certs", "/o/oauth2/v2/auth?client_id=%ff", "/v1/userinfo", "/device/code"}
local bodies = {"", "{", "[0]", "null", '{"op":"revoke_account"}', '{"offset_ms":"x"}', "grant_type=%ff&&=",
                "client_id=a&client_id=b", '{"from":"a\\\\r\\\\nBcc: x","subject":"s"}'}
local function pick(t) return t[math.random(#t)] end
local function junk_bytes()
  local n, t = math.random(0, 80), {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
request = function()
  local kind = math.random(10)
  if kind <= 3 then return wrk.format("POST", "/token", headers, refresh) end
  local path
  if kind <= 5 then path = "/gmail/v1/users/" .. pick(users) .. "/" .. pick(gmail)
  elseif kind <= 7 then path = "/__admin/" .. pick(admin)
  elseif kind <= 9 then path = pick(oauth)
  else path = "/" .. string.format("%x", math.random(1, 1000000)) .. "/%" .. string.format("%02x", math.random(0, 255)) end
  local body = (math.random(2) == 1) and pick(bodies) or junk_bytes()
  return wrk.format(pick(methods), path, headers, body)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
end
LUA

# Warm-up: past every capacity (journal, secrets, live tokens), so the
# figures below are the steady state.
taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d20s -s "$work/junk.lua" "$uri" >/dev/null
rss_warm=$(rss_mb)
# RSS every 10 s of the run, to show where it levels off.
( while sleep 10; do rss_mb; echo; done ) >"$work/rss" &
sampler=$!
out=$(taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/junk.lua" "$uri")
kill "$sampler" 2>/dev/null || true
rss_end=$(rss_mb)
journal=$(curl -fsS "$uri/__admin/journal?status=0")
total=$(sed -E 's/.*"total":([0-9]+).*/\1/' <<<"$journal")
dropped=$(sed -E 's/.*"dropped":([0-9]+).*/\1/' <<<"$journal")
fivexx=0
for status in 500 501 502 503 504; do
  # grep finds nothing when there is no 5xx: not a failure.
  n=$(curl -fsS "$uri/__admin/journal?status=$status" | { grep -o '"seq"' || true; } | wc -l)
  fivexx=$((fivexx + n))
done
# Journal queries at capacity: selective ones are indexed (cost what they
# return), the unfiltered listing returns everything kept.
query_secs() { curl -fsS -o /dev/null -w '%{time_total} s for %{size_download} bytes' "$uri/__admin/journal?$1"; }
selective=$(query_secs "endpoint=device_code&since=$((total - 1000))")
by_status=$(query_secs "status=404&since=$((total - 1000))")
secrets_bytes=$(curl -fsS -o /dev/null -w '%{size_download}' "$uri/__admin/secrets")
echo "$out" | grep -E "requests in|Requests/sec|Socket errors" || true
echo "journal queries at capacity: endpoint+since ${selective}, status+since ${by_status}; GET /__admin/secrets is ${secrets_bytes} bytes"
echo "journal: $total requests journaled, $dropped dropped (capacity 100,000); 5xx among those kept: $fivexx"
echo "RSS: ${rss_start} MB at start, ${rss_warm} MB after 20 s of warm-up, ${rss_end} MB at the end"
echo "RSS every 10 s of the run (MB): $(tr '\n' ' ' <"$work/rss")"
echo "($CONNECTIONS connections, $DURATION after warm-up; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
