// configs/schemas/*.schema.json are exactly what src/config/schemas.ts generates (rerun write-schemas otherwise).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { schemaFiles } from '../src/config/write-schemas.js';
import { schemaDocument } from '../src/config/schemas.js';

const ROOT = process.cwd();

test('written schema files equal the generated ones (run `node dist/src/config/write-schemas.js` if not)', () => {
  const files = schemaFiles();
  for (const [rel, text] of Object.entries(files)) {
    assert.is(readFileSync(join(ROOT, rel), 'utf8'), text, rel);
  }
  const onDisk = readdirSync(join(ROOT, 'configs/schemas')).filter((f) => f.endsWith('.schema.json')).map((f) => `configs/schemas/${f}`).sort();
  assert.equal(onDisk, Object.keys(files).sort());
});

test('each schema is a valid JSON Schema 2020-12 document that rejects unknown keys', () => {
  const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
  const ajv = new Ajv2020({ strict: false });
  const validate = ajv.compile(schemaDocument('space'));
  const space = JSON.parse(readFileSync(join(ROOT, "configs/spaces/linear.json"), "utf8")) as Record<string, unknown>;
  assert.ok(validate(space));
  assert.not.ok(validate({ ...space, extra: 1 }));
});

test.run();
