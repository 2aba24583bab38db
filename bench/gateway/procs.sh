# Sourced by run.sh, ab.sh and instructions.sh: the processes a benchmark starts, and the value a
# process prints once it listens.

pids=()

# Stops every process started so far (pids) and waits for them.
stop_all() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

# printed LOG SED SECONDS: what `sed -n SED` finds in LOG once it is there (a listening URL or
# port), polled every 0.1 s for up to SECONDS; fails when nothing came.
printed() {
  local i v
  for ((i = 0; i < $3 * 10; i++)); do
    v="$(sed -n "$2" "$1")"
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.1
  done
  return 1
}
