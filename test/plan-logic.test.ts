// Pure plan logic, tested directly: the schedule, the escalation policy, durations, payload checks.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../src/plan/load.js';
import { buildExtension, buildSchedule, offsetLabel, phaseAt } from '../src/plan/schedule.js';
import { escalationSteps, isSystemWideOutage, recheckMinutes } from '../src/plan/escalation.js';
import { formatDuration, parseDurationSeconds } from '../src/plan/duration.js';
import type { Plan } from '../src/plan/schema.js';
import { validateAlertNotification, validateEscalation, validateSignOff } from '../src/workflows/validate.js';

const HOUR = 3600;
let plan: Plan;
before(async () => {
  plan = await loadPlanFile(DEFAULT_PLAN_PATH);
}, { timeout: 60_000 });

describe('schedule', () => {
  test("the seed's checklist: T+0, every 15 min to 6 h, hourly to 24 h, every 3 h to 48 h", { timeout: 60_000 }, () => {
    const schedule = buildSchedule(plan);
    assert.equal(schedule.length, 51);
    assert.deepEqual(schedule.map((c) => c.index), [...Array(51).keys()]);
    const hours = schedule.map((c) => c.offsetSeconds / HOUR);
    assert.deepEqual(hours.slice(0, 5), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(hours.slice(24, 27), [6, 7, 8]);
    assert.deepEqual(hours.slice(42), [24, 27, 30, 33, 36, 39, 42, 45, 48]);
    assert.deepEqual([...new Set(schedule.map((c) => c.phaseId))], ['intensive', 'active', 'passive']);
    assert.equal(schedule[24]!.label, 'T+6h intensive check');
  });

  test('each checkpoint knows its commands, assertions and review', { timeout: 60_000 }, () => {
    const at = (h: number) => buildSchedule(plan).find((c) => c.offsetSeconds === h * HOUR)!;
    assert.deepEqual(at(0).commands, ['health-check', 'production-tests', 'log-review']);
    assert.deepEqual(at(7).commands, ['health-check', 'log-review']);
    assert.deepEqual(at(12).commands, ['health-check', 'log-review', 'full-suite']);
    assert.deepEqual(at(27).commands, ['health-check']);
    assert.deepEqual(at(30).commands, ['health-check', 'full-suite']);
    assert.deepEqual(at(36).commands, ['health-check']);
    assert.ok(at(0).asserts.includes('all-services-up'));
    assert.ok(at(4).asserts.includes('no-test-regressions'));
    assert.equal(at(24).review, 'milestone');
    assert.equal(at(48).review, 'final');
  });

  test('an extension repeats the last phase at the extension cadence, numbering on', { timeout: 60_000 }, () => {
    const extension = buildExtension(plan, 48 * HOUR, 1, 51);
    assert.deepEqual(extension.map((c) => c.offsetSeconds / HOUR), [51, 54, 57, 60, 63, 66, 69, 72]);
    assert.deepEqual(extension.map((c) => c.index), [51, 52, 53, 54, 55, 56, 57, 58]);
    assert.equal(extension[0]!.phaseId, 'extension-1');
    assert.deepEqual(extension.find((c) => c.offsetSeconds === 54 * HOUR)!.commands, ['health-check', 'full-suite']);
  });

  test('labels and phases', { timeout: 60_000 }, () => {
    assert.equal(offsetLabel(900), 'T+0.25h');
    assert.equal(offsetLabel(48 * HOUR), 'T+48h');
    assert.equal(phaseAt(plan, 0), 'intensive');
    assert.equal(phaseAt(plan, 6 * HOUR), 'intensive');
    assert.equal(phaseAt(plan, 6 * HOUR + 1), 'active');
    assert.equal(phaseAt(plan, 30 * HOUR), 'passive');
  });
});

describe('escalation policy', () => {
  const minutes = (steps: ReturnType<typeof escalationSteps>) => steps.map((s) => [s.kind, s.atMinutes, s.role]);

  test("P1: the seed's path — on-call at once, commander at 30 min, lead at 2 h; never the CTO by timer", { timeout: 60_000 }, () => {
    assert.deepEqual(minutes(escalationSteps(plan.escalation, 'P1')), [
      ['page', 0, 'on-call'],
      ['page', 30, 'incident-commander'],
      ['page', 120, 'engineering-lead'],
    ]);
  });

  test('P0 and manual triggers bring the commander in at once', { timeout: 60_000 }, () => {
    for (const steps of [escalationSteps(plan.escalation, 'P0'), escalationSteps(plan.escalation, 'P1', { straightToCommander: true })]) {
      assert.deepEqual(minutes(steps).slice(0, 2), [['page', 0, 'on-call'], ['page', 0, 'incident-commander']]);
    }
  });

  test('P2/P3: notice, a reminder at the end of the response window, on-call after a second one; P4: the digest', { timeout: 60_000 }, () => {
    assert.deepEqual(minutes(escalationSteps(plan.escalation, 'P2')), [['notice', 0, null], ['reminder', 60, null], ['page', 120, 'on-call']]);
    assert.deepEqual(minutes(escalationSteps(plan.escalation, 'P3')), [['notice', 0, null], ['reminder', 240, null], ['page', 480, 'on-call']]);
    assert.ok(escalationSteps(plan.escalation, 'P3').filter((s) => s.kind !== 'notice').every((s) => s.stoppedByAck));
    assert.ok(escalationSteps(plan.escalation, 'P1').every((s) => !s.stoppedByAck), 'acknowledging never stops P0/P1 deadlines');
    assert.deepEqual(minutes(escalationSteps(plan.escalation, 'P4')), [['digest', 0, null]]);
  });

  test('a system-wide outage: the service down past the limit, several critical incidents, or declared', { timeout: 60_000 }, () => {
    const view = { serviceDownMinutes: null, openCriticalIncidents: 1, declared: false };
    assert.equal(isSystemWideOutage(plan.escalation, view), false);
    assert.equal(isSystemWideOutage(plan.escalation, { ...view, serviceDownMinutes: 14 }), false);
    assert.equal(isSystemWideOutage(plan.escalation, { ...view, serviceDownMinutes: 15 }), true);
    assert.equal(isSystemWideOutage(plan.escalation, { ...view, openCriticalIncidents: 2 }), true);
    assert.equal(isSystemWideOutage(plan.escalation, { ...view, declared: true }), true);
  });

  test('re-checks thin out as an incident ages', { timeout: 60_000 }, () => {
    assert.deepEqual([0, 59, 60, 359, 360, 5000].map((m) => recheckMinutes(true, m)), [5, 5, 15, 15, 60, 60]);
    assert.deepEqual([0, 60, 360].map((m) => recheckMinutes(false, m)), [15, 30, 60]);
  });
});

describe('durations and payloads', () => {
  test('durations', { timeout: 60_000 }, () => {
    assert.equal(parseDurationSeconds('1h30m'), 5400);
    assert.equal(parseDurationSeconds('90s'), 90);
    assert.throws(() => parseDurationSeconds('-5m'), /not a duration/);
    assert.throws(() => parseDurationSeconds('5 m'), /not a duration/);
    assert.equal(formatDuration(7200), '2h');
    assert.equal(formatDuration(90), '90s');
  });

  test('operator payloads are checked field by field', { timeout: 60_000 }, () => {
    assert.deepEqual(validateEscalation({ priority: 'P1', reason: 'x', actor: 'a' }), { priority: 'P1', reason: 'x', actor: 'a' });
    assert.throws(() => validateEscalation(null), /escalate: expected a JSON object, got null/);
    assert.throws(() => validateEscalation({ priority: 'P1', reason: ' ', actor: 'a' }), /escalate.reason: must be a non-empty string/);
    assert.throws(() => validateSignOff({ role: 'cto', actor: 'a' }), /signOff.role: must be one of engineering-lead, sre-lead/);
    assert.throws(
      () => validateAlertNotification({ receivedAt: '2026-01-01T00:00:00Z', alerts: [{ fingerprint: 'f', alertname: 'A', status: 'pending', startsAt: 'x' }] }),
      /alerts\[0\].status: must be firing or resolved/,
    );
  });
});
