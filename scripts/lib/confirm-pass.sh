# shellcheck shell=bash
# measure_confirm_pass SECONDS BUILD_DIR NAME: the confirmation pass of the run folder $run, listed in
# $dev/confirm.txt (scripts/confirm-list.mjs), exported as the bundle $dev/b2 with the engine build of
# BUILD_DIR (the same native sources: no second compile), measured for at most SECONDS, then imported.
# Its engine log is $out/NAME.log. The caller provides bounded (lib/bounded.sh), log, and $dev, $run, $exp,
# $prof, $plat and $out (scripts/device-round.sh, scripts/remeasure-confirm-round.sh).
measure_confirm_pass() {
  local seconds="$1" build="$2" name="$3"
  node bin/coexec.js export --experiment "$exp" --profile "$prof" --platform "$plat" --resume "$run" --phase confirm \
    --strategies "@$dev/confirm.txt" --out "$dev/b2" >> "$out/go.log" 2>&1 || log "export of the confirmation pass failed"
  [ -d "$build" ] && cp -a "$build" "$dev/b2/build"
  (cd "$dev/b2" && bounded "$seconds" ./run.sh --jobs "$(nproc)") > "$out/$name.log" 2>&1
  log "$name rc=$? lines=$(cat "$dev"/b2/results/*.jsonl 2>/dev/null | wc -l)"
  node bin/coexec.js import --bundle "$dev/b2" --run "$run" >> "$out/go.log" 2>&1 || log "import of the confirmation pass failed"
}
