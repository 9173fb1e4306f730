/**
 * The engine driver: the one small interface through which the harness reaches a `coexec-engine`,
 * wherever it runs (this machine, an ssh host, an adb phone, an offline bundle, or a fake for tests).
 * Drivers move files and start the engine; they never interpret measurements.
 */

/** What a driver needs to run one plan. */
export interface RunRequest {
  /** Local path of the plan.json to execute. */
  planPath: string;
  /** Local path of the results.jsonl the engine's lines must end up in (appended, never truncated). */
  resultsPath: string;
  /** Called with each result line as soon as it is available locally (for progress). */
  onLine?: (line: string) => void;
  /** Aborts the run; lines already written stay. */
  signal?: AbortSignal;
}

/** Outcome of one engine invocation. */
export interface RunOutcome {
  /** Engine exit status (0 = all jobs ran; 2 = bad plan; other = crash). */
  exitCode: number;
  /** Last lines of the engine's stderr, for messages. */
  stderrTail: string;
}

/** A way to reach an engine. */
export interface EngineDriver {
  /** Short name for messages, e.g. "local", "ssh:pi@board". */
  readonly name: string;
  /** Makes sure an engine binary is available where the driver runs it (build or push). */
  prepare(): Promise<void>;
  /** The engine's `info` JSON document. */
  info(): Promise<unknown>;
  /** Runs a plan, streaming result lines into request.resultsPath. */
  run(request: RunRequest): Promise<RunOutcome>;
}
