#!/usr/bin/env bash
# Regenerates every side-by-side figure of docs/PERFORMANCE.md with one
# command: the criterion benches against yup-oauth2 and of the mock provider
# and the simulation, then the loopback comparison, then the summary tables
# (target/bench-results/summary.md).
#
#   benches/run-all.sh
#   CRITERION_ARGS="--warm-up-time 1 --measurement-time 2" DURATION=5s benches/run-all.sh
#
# Everything is built first, so our own compile is not the load the quiet
# wait sees; each bench then waits (bounded, see loopback/quiet.sh) for a
# quiet machine. Conditions (UTC time, busy fraction, load average) go to
# target/bench-results/conditions.txt and into the summary.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=loopback/quiet.sh
source "$here/loopback/quiet.sh"

BENCHES=${BENCHES:-"cached_token_vs_yup refresh_vs_yup mock_provider_in_memory simulated_day"}
CRITERION_ARGS=${CRITERION_ARGS:-"--warm-up-time 1 --measurement-time 3"}
results=$root/target/bench-results
mkdir -p "$results"
conditions=$results/conditions.txt
: >"$conditions"

cd "$root"
echo "== building the benches (release)" >&2
bench_args=()
for bench in $BENCHES; do bench_args+=(--bench "$bench"); done
cargo bench -q -p benches "${bench_args[@]}" --no-run >&2

for bench in $BENCHES; do
  quiet=yes
  wait_for_quiet || quiet=no
  echo "$bench: started $(date -u +%H:%M) UTC, machine ${QUIET_LAST} busy before (quiet: $quiet, waited ${QUIET_WAITED}s), load average $(cut -d' ' -f1-3 /proc/loadavg)" \
    | tee -a "$conditions"
  # shellcheck disable=SC2086
  cargo bench -q -p benches --bench "$bench" -- $CRITERION_ARGS
done

if [[ ${SKIP_LOOPBACK:-0} != 1 ]]; then
  echo "loopback: started $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$conditions"
  "$here/loopback/compare.sh"
fi
echo "done: $(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$conditions"

{
  echo "## Side by side ($(date -u +%Y-%m-%d))"
  echo
  echo "Conditions:"
  echo
  sed 's/^/- /' "$conditions"
  cargo run --release -q -p benches --bin bench-summary -- all
} | tee "$results/summary.md"
