// The workflow bundle, built once per version of the sources and kept under the cache directory, so
// a backtest starts in seconds. Its key is a hash of src/ and the lockfile: a bundle of older sources
// is never used.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundlePath } from '@temporalio/worker';
import { cacheDir, REPO_ROOT } from './binaries.js';

export const WORKFLOWS_PATH = require.resolve('../workflows');

const SOURCES = resolve(__dirname, '..');
/** Bundles kept (each a few MB): enough for a few branches sharing one cache. */
const KEEP = 8;

/**
 * Everything a bundle is built from: every source under src/ (workflows import across it), or under
 * dist/ when the compiled worker runs, and the SDK's locked version.
 */
export async function workflowSourcesHash(sources = SOURCES, lockfile = join(REPO_ROOT, 'package-lock.json')): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(sources, { recursive: true })).filter((f) => /\.[cm]?[jt]s$/.test(f)).sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(join(sources, file)));
    hash.update('\0');
  }
  hash.update(await readFile(lockfile));
  return hash.digest('hex').slice(0, 32);
}

const quiet = (): void => undefined;

/** The bundle of the current sources: from the cache, or built now and cached. */
export async function cachedWorkflowBundle(): Promise<WorkflowBundlePath> {
  const dir = join(cacheDir(), 'workflow-bundles');
  const codePath = join(dir, `${await workflowSourcesHash()}.js`);
  try {
    const now = new Date();
    // Touched on use, so pruning keeps the bundles in use.
    await utimes(codePath, now, now);
    return { codePath };
  } catch {
    // Not built yet.
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error },
  });
  await mkdir(dir, { recursive: true });
  // Written whole, then renamed: a concurrent run never reads half a bundle.
  const partial = `${codePath}.${process.pid}.tmp`;
  await writeFile(partial, code);
  await rename(partial, codePath);
  await prune(dir);
  return { codePath };
}

async function prune(dir: string): Promise<void> {
  const bundles = await Promise.all(
    (await readdir(dir)).filter((f) => f.endsWith('.js')).map(async (f) => ({ path: join(dir, f), used: (await stat(join(dir, f))).mtimeMs })),
  );
  const stale = bundles.sort((a, b) => b.used - a.used).slice(KEEP);
  await Promise.all(stale.map((b) => rm(b.path, { force: true })));
}
