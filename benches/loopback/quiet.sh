# Waiting for a quiet machine before a measurement (sourced by compare.sh
# and benches/run-all.sh). The machine is shared: other jobs compiling on
# the cores inflate every figure, so each run waits (bounded) until the
# cores are nearly idle, and records how busy they were.
#
#   QUIET_BUSY       fraction of all cores others may use (default 0.15)
#   QUIET_WINDOW     seconds each check samples (default 2)
#   QUIET_MAX_WAIT   seconds to wait at most before measuring anyway (default 120)

QUIET_BUSY=${QUIET_BUSY:-0.15}
QUIET_WINDOW=${QUIET_WINDOW:-2}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-120}

# "busy total" clock ticks of a /proc/stat line (cpu, cpu0, cpu1, ...).
# Steal counts as busy: it is time another guest took from us.
cpu_ticks() {
  awk -v line="$1" '$1 == line { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}

# Busy fraction of the whole machine over $1 seconds.
busy_fraction() {
  local b1 t1 b2 t2
  read -r b1 t1 < <(cpu_ticks cpu)
  sleep "$1"
  read -r b2 t2 < <(cpu_ticks cpu)
  awk -v b="$((b2 - b1))" -v t="$((t2 - t1))" 'BEGIN { printf "%.2f", (t > 0 ? b / t : 1) }'
}

# Waits until the machine is quiet or QUIET_MAX_WAIT has passed. Sets
# QUIET_LAST (the last busy fraction) and QUIET_WAITED (seconds waited);
# returns 1 when it gave up.
wait_for_quiet() {
  local started=$SECONDS
  while :; do
    QUIET_LAST=$(busy_fraction "$QUIET_WINDOW")
    QUIET_WAITED=$((SECONDS - started))
    if awk -v f="$QUIET_LAST" -v max="$QUIET_BUSY" 'BEGIN { exit !(f <= max) }'; then
      return 0
    fi
    if ((QUIET_WAITED >= QUIET_MAX_WAIT)); then
      echo "  (machine still ${QUIET_LAST} busy after ${QUIET_WAITED}s; measuring anyway)" >&2
      return 1
    fi
  done
}
