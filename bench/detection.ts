// Detection latency, firing → incident opened, through real Prometheus, Alertmanager, the bridge
// and a dev server (see test/support/alert-pipeline.ts). Alertmanager's group_wait is most of it;
// the rest is what deploywatch adds. `npx tsx bench/detection.ts` prints the figures as JSON.
import { startAlertPipeline } from '../test/support/alert-pipeline.js';

export interface DetectionLatency {
  runs: number;
  groupWaitMs: number;
  /** Per run: Prometheus firing (activeAt + for) → the monitor's incident detectedAt. */
  firingToIncidentMs: number[];
  /** Per run: firing → the bridge received Alertmanager's post (group_wait, Alertmanager, HTTP). */
  firingToBridgeMs: number[];
  /** Per run: bridge received → incident opened (visibility lookup, signal, the workflow task). */
  bridgeToIncidentMs: number[];
  /** Median of firingToIncidentMs, and the same less group_wait (what deploywatch and Alertmanager add). */
  medianMs: number;
  medianAfterGroupWaitMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Each run gets a fresh stack (so no monitor sees an earlier run's alert in Prometheus), breaches
 * its deployment's series and times the incident. group_wait defaults to the default plan's.
 */
export async function measureDetectionLatency(options: { runs?: number; groupWait?: string } = {}): Promise<DetectionLatency> {
  const runs = options.runs ?? 3;
  const firingToIncidentMs: number[] = [];
  const firingToBridgeMs: number[] = [];
  const bridgeToIncidentMs: number[] = [];
  let groupWaitMs = Number.NaN;
  for (let i = 1; i <= runs; i++) {
    const pipeline = await startAlertPipeline({ groupWait: options.groupWait, alertFor: '2s' });
    try {
      groupWaitMs = pipeline.groupWaitMs;
      const id = `bench-detection-${i}`;
      await pipeline.start(id);
      const d = await pipeline.breachAndDetect(id, { labelDeployment: true });
      if (!Number.isFinite(d.forwardedAt)) throw new Error(`run ${i}: the incident did not come through the bridge`);
      firingToIncidentMs.push(d.openedAt - d.firingAt);
      firingToBridgeMs.push(d.forwardedAt - d.firingAt);
      bridgeToIncidentMs.push(d.openedAt - d.forwardedAt);
    } finally {
      await pipeline.stop();
    }
  }
  const medianMs = median(firingToIncidentMs);
  return {
    runs,
    groupWaitMs,
    firingToIncidentMs,
    firingToBridgeMs,
    bridgeToIncidentMs,
    medianMs,
    medianAfterGroupWaitMs: medianMs - groupWaitMs,
  };
}

if (require.main === module) {
  measureDetectionLatency().then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(`detection benchmark failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
