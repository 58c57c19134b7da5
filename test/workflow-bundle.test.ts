// The cached workflow bundle: keyed on the sources, so a backtest never runs a bundle of older code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cachedWorkflowBundle, workflowSourcesHash } from '../src/temporal/workflow-bundle.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploywatch-bundle-'));
}, { timeout: 10_000 });
after(async () => {
  await rm(dir, { recursive: true, force: true });
}, { timeout: 10_000 });

test('the key changes with any TypeScript source or the lockfile, and only with them', { timeout: 10_000 }, async () => {
  const sources = join(dir, 'src');
  const lockfile = join(dir, 'package-lock.json');
  await mkdir(join(sources, 'plan'), { recursive: true });
  await writeFile(join(sources, 'plan', 'judge.ts'), 'export const limit = 1;\n');
  await writeFile(lockfile, '{"@temporalio/workflow":"1.24.0"}');
  const key = () => workflowSourcesHash(sources, lockfile);
  const original = await key();

  await writeFile(join(sources, 'plan', 'judge.ts'), 'export const limit = 2;\n');
  assert.notEqual(await key(), original, 'an edited source');
  await writeFile(join(sources, 'plan', 'judge.ts'), 'export const limit = 1;\n');
  assert.equal(await key(), original, 'the same sources, the same key');

  await writeFile(join(sources, 'README.md'), 'notes');
  assert.equal(await key(), original, 'not a source');
  await writeFile(join(sources, 'plan', 'new.ts'), '');
  assert.notEqual(await key(), original, 'a new source');
  await rm(join(sources, 'plan', 'new.ts'));

  await writeFile(lockfile, '{"@temporalio/workflow":"1.25.0"}');
  assert.notEqual(await key(), original, 'another SDK version');
});

test('the bundle of the current sources is built once, then read from the cache', { timeout: 180_000 }, async () => {
  const previous = process.env.DEPLOYWATCH_CACHE;
  process.env.DEPLOYWATCH_CACHE = join(dir, 'cache');
  try {
    const built = await cachedWorkflowBundle();
    assert.equal(basename(built.codePath), `${await workflowSourcesHash()}.js`);
    assert.match(await readFile(built.codePath, 'utf8'), /deploymentMonitor/);
    // A mark a rebuild would overwrite: the second call reads the cached file.
    await writeFile(built.codePath, `${await readFile(built.codePath, 'utf8')}\n// cached\n`);
    const cached = await cachedWorkflowBundle();
    assert.equal(cached.codePath, built.codePath);
    assert.match(await readFile(cached.codePath, 'utf8'), /\/\/ cached\n$/);
  } finally {
    if (previous === undefined) delete process.env.DEPLOYWATCH_CACHE;
    else process.env.DEPLOYWATCH_CACHE = previous;
  }
});
