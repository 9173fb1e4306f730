/** The text of `coexec --help` and of each command's --help. */
import { EXIT_STATUS_HELP } from '../validate/outcome.js';

export const MAIN_HELP = `coexec: fine-grained CPU-GPU co-execution benchmark and paper artifact

Usage: coexec <command> [options]

Commands:
  platforms                 list the platform configs (configs/platforms) and which were measured here
  info [--platform P]       the engine's view of the device (OpenCL, SVM, sync mechanisms) and the device pick
  run --experiment E --profile P [--platform local] [--phase PH] [--resume RUN_DIR]
                            measure an experiment into results/<platform>/<run-id>/
  export --experiment E --profile P --platform P --out DIR
                            plan a run and write an offline bundle for a machine without Node
  import --bundle DIR --run RUN_DIR
                            check a bundle that ran and bring its results into its run folder
  reproduce [--platform P] [--profile quick]
                            build, run every experiment, derive, render, validate (one command)
  yardsticks F [T] --out D  tabulate OpenBLAS/CLBlast/PyTorch yardsticks as ratios to our kernels
  breakdown FILE.json       draw where the time of a co-executed execution goes (engine benchmark or run)
  vs-pytorch RUN_DIR... --torch F
                            our selected strategy per layer beside PyTorch CPU and CUDA (same host)
  derive RUN_DIR...         derive speedups, q and predictor accuracy of measured (e.g. imported) runs
  figures [RUN_DIR]         regenerate tables and figures from results/ alone (never starts the engine)
  validate [RUN_DIR]        schemas, hashes and claims: PASS/FAIL per claim, non-zero exit on failure
  compact [RUN_DIR...]      store finished runs' raw/*.jsonl gzip-compressed (read and appended as before)

Options:
  -h, --help                help for coexec or for a command (coexec run --help)

Exit status: 0 ok, 1 failure, 2 usage error; validate and reproduce add 3 (measurement validity failed
only), 4 (a claim failed only) and 5 (both): see \`coexec validate --help\`.
Example: coexec run --experiment linear-coexec --profile quick`;

export const COMMAND_HELP: Record<string, string> = {
  platforms: `Usage: coexec platforms

Lists every platform config with its kind (local, ssh, adb, bundle), class (unified-memory-gpu, pocl-cpu,
discrete-gpu) and whether this project measured it (tested). Configs live in configs/platforms/.`,
  info: `Usage: coexec info [--platform local] [--json]

Runs the engine's \`info\` on the platform and prints its OpenCL devices, SVM capabilities and the sync
mechanisms that passed a real round trip, then the device a run would use and why.
  --platform P   platform config name (default: local)
  --json         print the engine's info document as is`,
  run: `Usage: coexec run --experiment E --profile P [--platform local] [--phase PH]
       coexec run --resume RUN_DIR [--phase confirm --strategies IDS]

Expands the experiment with the profile into a plan (seeded, shuffled order), runs it on the platform and
writes results/<platform>/<run-id>/: plan.json, run.json, raw/*.jsonl, env-before/after.json, jobs.json,
manifest.json. Every finished job is on disk at once: after a crash or Ctrl-C, --resume measures only
what is missing.
  --experiment E     experiments/<E>.json (sync-overhead, predictor-accuracy, linear-coexec, conv-coexec)
  --profile P        configs/profiles/<P>.json (quick, full)
  --platform P       configs/platforms/<P>.json (default: local)
  --phase PH         sync, profile, grid or confirm; repeat or comma-separate (default: the experiment's
                     phases except confirm)
  --strategies IDS   for --phase confirm: strategy ids, comma-separated, or @FILE with one per line
  --resume RUN_DIR   continue a run folder (experiment, profile and platform come from its run.json);
                     with --phase confirm, add a confirmation pass to it
  --results DIR      where results/ is (default: ./results)
Example: coexec run --experiment linear-coexec --profile quick --phase grid`,
  export: `Usage: coexec export --experiment E --profile P --platform P --out DIR [--phase PH] [--with-node]
                     [--resume RUN_DIR --phase confirm --strategies ID,ID|@FILE] [--extra-deb FILE.deb]
       coexec export --resume RUN_DIR --remeasure S --out DIR

Plans a run like \`run\` (folder results/<platform>/<run-id>/ without results yet) and writes an offline
bundle to DIR: engine sources, a build script, the plans and run.sh. Copy DIR to the machine, run
./run.sh there, copy it back and \`coexec import\` it.
With --resume, extends an imported run by the asked phases (the confirmation pass) and exports only those.
With --remeasure S, plans the next re-measurement round of every part of an imported run (the jobs INVALID
only for want of time or for steal time, as a local run's rounds; at most S s of extra engine time per part;
the profile's measurement.remeasure rule, else 3 rounds with 1.5x the time each) and exports only that
round: import appends its lines to raw/<part>.remeasure-<k>.jsonl and jobs.json pools every attempt.
--extra-deb puts a .deb (e.g. Debian's libclblast1 for the CLBlast yardstick) into the bundle's extra/.
--with-node (experiments with a confirm phase, not with --resume): the bundle also carries this Node binary
(gzip, about 36 MB), the compiled harness (run \`npm run build\` first) and the run folder, so that run.sh
plans and measures the confirmation pass right after round 1, in the same trip. The device must run this
Node (same CPU architecture, glibc >= 2.28); import re-plans the pass at home and refuses a different one.`,
  import: `Usage: coexec import --bundle DIR --run RUN_DIR

Checks the bundle's hashes, copies its result lines into RUN_DIR/raw/ (appending only new ones), then
computes jobs.json and the manifest. A confirmation pass planned on the device (export --with-node) is
imported only if it is the pass planned here from the imported round 1.`,
  reproduce: `Usage: coexec reproduce [--platform local] [--profile quick]

Builds the engine, probes the platform, estimates this machine's timing noise, runs every experiment
(re-measuring, within the profile's bounds, jobs INVALID only for want of time), derives, renders and
validates; measurement validity and claims are reported apart, and the last line says which failed.
${EXIT_STATUS_HELP}`,
  derive: `Usage: coexec derive [--family F] [--jobs N] RUN_DIR...
       coexec derive --claims-only | --layers-only RUN_DIR...

Derives speedups, decision quality, predictor accuracy and sync overhead of measured run folders (after
\`coexec import\` of an offline bundle, or again after the analysis changed) into RUN_DIR/derived/*.json, and
re-hashes each folder's manifest. Needs no engine and no device.
--family F selects with model family F (auto, baseline, forest, gbt, forest-residual, gbt-residual) instead of
auto (where the run evaluated it: the baseline on a GPU, forest-residual on a CPU OpenCL device such as PoCL,
since 2026-12-06; forest-residual on every device from 2026-12-05 17:30). A shipped run selected with the
family its derived/summary.json names as selectionFamily (the baseline for most runs derived before 2026-12-05
17:30), and its confirmation pass measured those choices: derive it with that family to regenerate it as shipped.
--claims-only judges the claims again from derived/summary.json; --layers-only redoes the layer rows, the
summary's linear and conv sections and the claims, the predictor files kept. Several folders are derived side
by side, one per core (--jobs N: at most N at once; --jobs 1 in order), their lines printed in the order given;
a folder that fails is named at the end and the others are still derived (exit 1).
Example: coexec derive results/pocl-split/linear-coexec-host-pocl-20261201T2325Z`,
  yardsticks: `Usage: coexec yardsticks ENGINE.jsonl [TORCH.jsonl] --out DIR

Tabulates yardstick measurements (OpenBLAS and CLBlast through \`coexec-engine bench\`, written by
native/bench/yardsticks.sh; PyTorch CPU/CUDA from native/bench/torch_yardstick.py) as ratios to our kernels
into DIR/yardsticks.md and DIR/yardsticks.csv. A ratio > 1 means the yardstick is slower than ours. Also the
per-side comparison for ARTIFACT.md, DIR/per-side.md (+ per-side-cpu.csv, per-side-gpu.csv): our best CPU
implementation vs OpenBLAS and PyTorch CPU; our best GPU variant's layer latency vs CLBlast and PyTorch CUDA
with pinned copies, and its kernel time vs PyTorch CUDA with resident tensors (time ours / library).
Example: coexec yardsticks results/yardsticks/gpu-host/engine.jsonl results/yardsticks/gpu-host/torch.jsonl --out /tmp/ys`,
  breakdown: `Usage: coexec breakdown FILE.json [--out DIR] [--no-png]

Where the time of one co-executed execution goes (issue 12): per layer and sync mechanism, the CPU worker's
start delay after t0, its slice and its wait after the slice, and the GPU-driver thread's start delay and
OpenCL calls, from the engine's breakdownMedianNs. FILE is an engine data-path benchmark (datapath.json from
native/bench/sync-bench.sh datapath) or a run's derived/sync-overhead.json; run reports draw the same figure
through \`coexec figures\`. Writes DIR (default: figures/ beside FILE) /sync-breakdown.svg, .png, .vl.json
and .md (medians per mechanism).
Example: coexec breakdown results/benchmarks/gpu-host-20261203-round1/datapath.json`,
  'vs-pytorch': `Usage: coexec vs-pytorch RUN_DIR... --torch FILE [--out FILE.json] [--no-png]

The user's alternative beside ours: per layer of the co-execution runs (derived/layers.json, the
predictor-selected strategy's measured latency) PyTorch CPU, PyTorch CUDA with resident tensors and PyTorch
CUDA with the input and output copied through pinned memory, from FILE (native/bench/torch_reference.py on
the same host). Speedup = the faster of PyTorch CPU and CUDA with copies / ours; geomean over the layers both
sides have; a layer only one side has is listed with the other side empty. Beside the selection, the grid
search's fastest strategy (the run's oracle) and its speedup: what the engine can do there, apart from the
predictors' choice. Writes OUT (default
results/yardsticks/<platform>/vs-pytorch.json, with the runs, the torch file's hash, card and dates), .md
and .csv beside it, and figures/vs-pytorch.svg/.png there. Runs given later replace earlier ones' layers
(ordered by their createdAt).
  --out FILE.json  where to write (default results/yardsticks/<platform>/vs-pytorch.json)
  --no-png         draw the SVG only
Example: coexec vs-pytorch results/gpu-host/linear-coexec-host-20261126T0709Z-2 results/gpu-host/conv-coexec-host-20261126T0709Z --torch results/benchmarks/gpu-host-20261203-round1/torch-reference.json`,
  figures: `Usage: coexec figures [RUN_DIR...] [--figures-root DIR] [--no-png] [--threads N] [--force]

Regenerates every table, figure and report/index.html from the runs' derived/*.json alone (never starts
the engine). Without RUN_DIR: every run folder under results/, plus figures/<platform>/<run-id>/ and
figures/summary/. A figure already drawn from the same data, template and renderer is kept (a stamp,
.render-stamp.json, beside the outputs records what was drawn); a missing or damaged output is drawn again.
  --figures-root DIR   also write per-platform copies and the summary there
  --no-png             SVG only
  --threads N          draw on at most N threads (default: every core)
  --force              draw and write everything, up to date or not`,
  validate: `Usage: coexec validate [RUN_DIR...] [--min-valid SHARE] [--max-retest-change PCT] [--class NAME] [--experiments DIR]

Checks each run folder in three sections and prints them apart: integrity (the manifest's hashes and every
file's schema), validity (the share of VALID layer jobs, default >= 0.9, and, where the device call measured
the run's jobs twice, results/repeatability/*-<run id>-same-call.json, their median change, default <= 15%:
above it the machine was disturbed while it measured) and claims (each claim against its range for the
platform class). Below the VALID share, an INFO line counts the INVALID jobs by cause (steal time, dispersion,
too few samples, wrong result, engine error, drift) and gives the way out of the most frequent one: steal time
on a shared host is not fixed by closing programs here. The last line says which section failed.
${EXIT_STATUS_HELP}`,
  compact: `Usage: coexec compact [RUN_DIR...] [--results DIR]

Replaces each raw/X.jsonl of a finished run (every job of run.json's parts has a line) by raw/X.jsonl.gz
(gzip level 9, no name or time in the header: the same lines give the same bytes) and rehashes its
manifest.json. Every command reads the .gz as it read the .jsonl; resume and import unpack it before
appending. An incomplete run, or one whose manifest.json does not match its files, is left alone with a
note. Prints per run the raw size before and after. Without RUN_DIR: every run folder under results/.
  --results DIR   where results/ is (default: ./results)`,
};
