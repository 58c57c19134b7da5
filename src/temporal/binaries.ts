// Where the project-built Temporal binaries live (scripts/provision-temporal.sh puts them there).
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export function cacheDir(): string {
  return process.env.DEPLOYWATCH_CACHE ?? join(REPO_ROOT, '.cache');
}

export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find(executable);
}

/** The Temporal CLI (dev server + Web UI): $TEMPORAL_CLI, a `temporal` on PATH, or the project-built one. */
export function temporalCliPath(): string {
  const candidates = [process.env.TEMPORAL_CLI, onPath('temporal'), join(cacheDir(), 'temporal', 'bin', 'temporal')];
  const found = candidates.find((c): c is string => c !== undefined && executable(c));
  if (!found) {
    throw new Error(
      'No Temporal CLI found ($TEMPORAL_CLI, PATH, or .cache/temporal/bin/temporal). Run `npm run provision` to build it.',
    );
  }
  return found;
}

/** The Java time-skipping test server wrapper built by scripts/test-server/provision.sh. */
export function testServerPath(): string {
  const path = process.env.TEMPORAL_TEST_SERVER ?? join(cacheDir(), 'temporal', 'test-server', 'temporal-test-server');
  if (!executable(path)) {
    throw new Error(`No time-skipping test server at ${path}. Run \`npm run provision\` to fetch it from Maven Central.`);
  }
  return path;
}
