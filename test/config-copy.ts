// Config problems after an edit to one profile, in a throwaway copy of configs/ and experiments/ (the checkout's
// own files stay as they are): how tests show that the config check refuses a bad value.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectConfigProblems } from '../src/config/load.js';
import type { ProfileConfig } from '../src/config/schemas.js';

export function problemsAfterProfileEdit(profile: string, edit: (doc: ProfileConfig) => void): string[] {
  const t = mkdtempSync(join(tmpdir(), 'coexec-configs-'));
  try {
    cpSync(join(process.cwd(), 'configs'), join(t, 'configs'), { recursive: true });
    cpSync(join(process.cwd(), 'experiments'), join(t, 'experiments'), { recursive: true });
    const file = join(t, `configs/profiles/${profile}.json`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as ProfileConfig;
    edit(doc);
    writeFileSync(file, JSON.stringify(doc));
    return collectConfigProblems(t).problems;
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
}
