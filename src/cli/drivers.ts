/**
 * Picks the engine driver for a platform config: local runs here, ssh and adb come from src/platforms/
 * (loaded on demand, so a build without them still runs locally), bundle platforms are measured through
 * `coexec export` / `coexec import` and have no driver.
 */
import type { EngineDriver } from '../engine/driver.js';
import type { PlatformConfig } from '../config/schemas.js';
import { LocalDriver } from '../engine/local.js';
import { msg, UserError } from '../messages.js';

/** Loads a module of this build, or undefined when it is not there. */
export async function optionalImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(specifier.replace(/^\.\.\//, ''))) return undefined;
    throw err;
  }
}

/** The driver for a platform. */
export async function driverFor(platform: PlatformConfig, repoRoot: string): Promise<EngineDriver> {
  if (platform.kind === 'local') return new LocalDriver(platform, repoRoot);
  if (platform.kind === 'bundle') {
    throw new UserError(msg.bundleOnly(platform.name));
  }
  const modulePath = platform.kind === 'ssh' ? '../platforms/ssh.js' : '../platforms/adb.js';
  const exportName = platform.kind === 'ssh' ? 'SshDriver' : 'AdbDriver';
  const mod = await optionalImport(modulePath);
  const Driver = mod?.[exportName] as (new (config: unknown) => EngineDriver) | undefined;
  if (!Driver) throw new UserError(msg.driverUnavailable(platform.kind, `src/platforms/${platform.kind}.ts (${exportName})`));
  return new Driver(platform);
}
