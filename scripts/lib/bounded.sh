# shellcheck shell=bash
# bounded SECONDS CMD...: runs CMD for at most SECONDS in a process group of its own and, when time is up,
# stops the whole group (TERM, then KILL 3 s later); returns CMD's status, or 124 when it was stopped.
# Why not timeout(1): it signals only its child. A bundle's run.sh stopped that way left its engine running
# on the measured cores, and the next measurement of the same device call ran beside it (2026-12-03, GPU
# host reference round 1: CPU-only jobs 20-40x slower than in the run before).
bounded() {
  local limit="$1"; shift
  setsid "$@" &
  local pid=$!
  ( exec 2>/dev/null; sleep "$limit" && { kill -TERM -- "-$pid" 2>/dev/null; sleep 3; kill -KILL -- "-$pid" 2>/dev/null; } ) &
  local watchdog=$!
  wait "$pid"; local rc=$?
  pkill -P "$watchdog" 2>/dev/null; kill "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null
  # Whatever the command left behind in its group goes too, so the next measurement starts on idle cores.
  kill -KILL -- "-$pid" 2>/dev/null
  if [ "$rc" -eq 143 ] || [ "$rc" -eq 137 ]; then rc=124; fi
  return "$rc"
}
