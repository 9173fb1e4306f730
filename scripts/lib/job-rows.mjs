// The rows of a jobs.json file, gzipped or not (results/repeatability keeps retest and grid jobs as .json.gz).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** `rows` of the jobs.json at `file` (.json or .json.gz). */
export function readJobRows(file) {
  const bytes = readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')).rows;
}
