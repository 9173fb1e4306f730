/**
 * The fields of a platform config (docs/contract.md section 10) that the remote platforms read. The harness
 * validates the whole config against its schema; this side types only what it uses, loosely, so the two
 * can evolve apart.
 */

import { PlatformError } from './errors.js';

/** A platform config as far as ssh, adb and bundles care. */
export interface RemotePlatformConfig {
  name: string;
  kind?: string;
  opencl?: { platformContains?: string; deviceContains?: string; deviceType?: string };
  cpu?: { cores?: number[] };
  /** Environment for the engine process on the device. */
  env?: Record<string, string>;
  /**
   * OpenCL vendor libraries to register in a private ICD folder where the engine runs (e.g.
   * ["libnvidia-opencl.so.1"] on a host whose driver did not install /etc/OpenCL/vendors); OCL_ICD_VENDORS
   * then points at that folder. Extension of contract section 10.
   */
  icd?: string[];
  ssh?: {
    host: string;
    user?: string;
    port?: number;
    identityFile?: string;
    remoteDir?: string;
    /** Extension: known_hosts file to use instead of ~/.ssh/known_hosts (tests, throw-away hosts). */
    knownHostsFile?: string;
    /** Extension: seconds before an unreachable host is given up (ssh ConnectTimeout); default 10. */
    connectTimeoutS?: number;
  };
  adb?: {
    serial?: string;
    remoteDir?: string;
    abi?: string;
    /** Extension: local path of the engine prebuilt for the phone with the Android NDK. */
    enginePath?: string;
  };
}

/** Bit mask for `taskset`, in hex without 0x: cores [6, 7] -> "c0". Empty list -> undefined (no pinning). */
export function coreMaskHex(cores: readonly number[] | undefined): string | undefined {
  if (!cores || cores.length === 0) return undefined;
  let mask = 0n;
  for (const core of cores) {
    if (!Number.isInteger(core) || core < 0) throw new PlatformError(`platform config: cpu.cores has ${core}, expected core numbers >= 0`);
    mask |= 1n << BigInt(core);
  }
  return mask.toString(16);
}

/** Quotes a string for a POSIX shell: 'it'"'"'s' style, safe for any bytes but NUL. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_\/.,:=+@%-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** `K=V` assignments for `env` on a remote shell, in a stable order; names checked to be shell-safe. */
export function envAssignments(env: Record<string, string> | undefined): string[] {
  return Object.keys(env ?? {})
    .sort()
    .map((key) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new PlatformError(`platform config: env has "${key}", expected a shell variable name`);
      return `${key}=${shellQuote(env![key]!)}`;
    });
}
