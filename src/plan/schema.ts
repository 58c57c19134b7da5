// The plan file's schema: one validated document holds everything the monitoring plan defines.
// Workflows only ever see the parsed, validated plan (type `Plan`), never the file.
import { z } from 'zod';
import { DEFAULT_SERVICE_DOWN_ALERT } from './defaults.js';
import { isDuration } from './duration.js';

import { PRIORITIES } from './priorities.js';

export { PRIORITIES, type Priority } from './priorities.js';

const duration = z
  .string({ error: 'must be a duration string such as 30s, 5m or 1h' })
  .refine(isDuration, { message: 'must be a positive duration such as 30s, 5m or 1h (no sign, no spaces)' });

const positive = z.number({ error: 'must be a number' }).positive({ message: 'must be greater than 0' });
const nonNegative = z.number({ error: 'must be a number' }).nonnegative({ message: 'must be 0 or more' });
const name = z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' });

export const commandSchema = z.strictObject({
  title: name,
  /** argv[0] is the program; no shell is involved, so nothing in the plan or inputs is interpolated. */
  argv: z.array(name).min(1, { message: 'must name at least the program to run' }),
  cwd: z.string().optional(),
  timeoutSeconds: positive,
  /** When set, the command writes JUnit XML to this path ({junit} in argv is replaced by it). */
  junit: z.boolean().default(false),
  env: z.record(z.string(), z.string()).default({}),
});
export type CommandSpec = z.infer<typeof commandSchema>;

/** How to roll back: a command, or an HTTP call to the deploy system. Run at most once per monitor. */
const rollbackSchema = z
  .strictObject({
    command: commandSchema.optional(),
    http: z
      .strictObject({
        url: name,
        method: z.enum(['POST', 'PUT']).default('POST'),
        /** Environment variable holding a bearer token for the deploy system. */
        tokenEnv: z.string().optional(),
        timeoutSeconds: positive.default(60),
      })
      .optional(),
  })
  .refine((r) => (r.command ? 1 : 0) + (r.http ? 1 : 0) === 1, { message: 'give exactly one of command or http' });
export type RollbackProcedure = z.infer<typeof rollbackSchema>;

const phaseTaskSchema = z.strictObject({
  command: name,
  /** Run at every checkpoint of the phase unless `everyHours` thins it out. */
  everyHours: positive.optional(),
  /** Absolute offset (hours since deployment) of the first run when `everyHours` is set. */
  firstAtHours: nonNegative.optional(),
});

export const phaseSchema = z.strictObject({
  id: name,
  title: name,
  focus: z.string().default(''),
  untilHours: positive,
  cadenceMinutes: positive,
  run: z.array(phaseTaskSchema).min(1, { message: 'a phase must run at least one command' }),
});
export type Phase = z.infer<typeof phaseSchema>;

export const ASSERTIONS = [
  'all-services-up',
  'health-check-pass',
  'no-critical-alerts',
  'resource-usage-stable',
  'performance-within-slo',
  'no-test-regressions',
  'stable-under-load',
  'phase-summary',
  'review',
] as const;
export type Assertion = (typeof ASSERTIONS)[number];

const checklistItemSchema = z.strictObject({
  atHours: nonNegative,
  title: name,
  asserts: z.array(z.enum(ASSERTIONS)).default([]),
  /** Reviews (hourly summary, mid-deployment, milestone, final) produce a written summary. */
  review: z.string().optional(),
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

export const COMPARATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const UNITS = ['ratio', 'percent', 'seconds', 'ops-per-second', 'boolean', 'count'] as const;

/**
 * An alert rule. `expr` is the *value* (PromQL), compared with `threshold` by `op`; the monitor
 * evaluates it over the whole interval between checkpoints, applying `for`.
 * `source: monitor` rules are judged from the monitor's own record (test history, blind checks)
 * and have no PromQL.
 */
export const alertSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be a Prometheus alert name' }),
    priority: z.enum(PRIORITIES, { error: `must be one of ${PRIORITIES.join(', ')}` }),
    source: z.enum(['prometheus', 'monitor']).default('prometheus'),
    expr: z.string().optional(),
    unit: z.enum(UNITS),
    op: z.enum(COMPARATORS),
    threshold: z.number({ error: 'must be a number' }),
    for: duration,
    description: name,
    runbook: z.string().optional(),
    note: z.string().optional(),
  })
  .refine((a) => a.source === 'monitor' || (a.expr !== undefined && a.expr.trim() !== ''), {
    message: 'a prometheus alert needs an expr',
    path: ['expr'],
  });
export type AlertRule = z.infer<typeof alertSchema>;

/** What every SLO row has: a named PromQL series in a unit, at a priority. */
const sloSeries = {
  id: name,
  title: name,
  priority: z.enum(PRIORITIES),
  expr: name,
  unit: z.enum(UNITS),
};

const sloSchema = z.strictObject({
  ...sloSeries,
  op: z.enum(COMPARATORS),
  target: z.number(),
  window: duration,
  /** A stricter target for one phase (the Genesis monitoring plan demands 100% availability during phase 1). */
  phaseTargets: z.record(z.string(), z.number()).default({}),
});
export type Slo = z.infer<typeof sloSchema>;

const levelsSchema = z.strictObject({
  ...sloSeries,
  /** 'above' when larger is worse (latency, CPU), 'below' when smaller is worse (throughput). */
  worse: z.enum(['above', 'below']),
  baseline: z.number().optional(),
  normal: z.number().optional(),
  warning: z.number(),
  critical: z.number(),
});
export type LevelSlo = z.infer<typeof levelsSchema>;

const channelsSchema = z.strictObject({
  slack: z.partialRecord(z.enum(PRIORITIES), z.string()).default({}),
  pagerduty: z.array(z.enum(PRIORITIES)).default([]),
  email: z.array(z.enum(PRIORITIES)).default([]),
  /** Names of environment variables: secrets never enter the plan or workflow history. */
  slackWebhookEnv: z.record(z.string(), z.string()).default({}),
  pagerdutyRoutingKeyEnv: z.string().optional(),
  emailTo: z.array(z.string()).default([]),
  emailFrom: z.string().default('deploywatch@localhost'),
  /** Environment variable holding the SMTP URL (smtp://user:pass@host:port). */
  smtpUrlEnv: z.string().default('DEPLOYWATCH_SMTP_URL'),
});

const escalationSchema = z.strictObject({
  path: z.array(z.strictObject({ role: name, afterMinutes: nonNegative })).min(1),
  responseMinutes: z.partialRecord(z.enum(PRIORITIES), positive).default({}),
  systemWideOutage: z
    .strictObject({
      serviceDownMinutes: positive,
      openCriticalIncidents: positive,
      /** The alert that says the service is down (read with `serviceDownAlert()`: older plans lack it). */
      serviceDownAlert: name.default(DEFAULT_SERVICE_DOWN_ALERT),
    })
    .default({ serviceDownMinutes: 15, openCriticalIncidents: 2, serviceDownAlert: DEFAULT_SERVICE_DOWN_ALERT }),
  autoResolveAfter: duration.default('10m'),
});

const manualTriggersSchema = z.strictObject({
  multipleP1WithinMinutes: positive.default(60),
  passRateBelowPercent: positive.default(95),
  errorRateAbove: positive.default(0.01),
  availabilityBelowPercent: positive.default(99),
});

const criteriaSchema = z.strictObject({
  measurementWindow: duration.default('5m'),
  testPassRatePercent: positive.default(98),
  errorRateRatio: positive.default(0.001),
  p95LatencySeconds: positive.default(0.2),
  uptimePercent: positive.default(99.9),
  performanceTolerancePercent: positive.default(10),
  resourceGrowthPercentPerDay: positive.default(10),
});

/** The handoff to business-as-usual after a successful window. */
const handoffSchema = z.strictObject({
  /** Reports go to <reportDir>/<deploymentId>/handoff-report.{md,html,json}; relative to the worker's cwd. */
  reportDir: name.default('.deploywatch/reports'),
  /** Id of a `commands` entry that archives the deployment logs; {reportDir} is the deployment's report folder. */
  archiveCommand: name.optional(),
});

export const planSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }),
  name: name,
  service: name,
  description: z.string().default(''),
  prometheus: z
    .strictObject({
      url: z.string().default('http://localhost:9090'),
      scrapeInterval: duration.default('15s'),
      serviceJob: name.default('genesis-orchestration'),
      /** Where the monitor pushes its own JUnit counts (genesis_tests_*), for dashboards. */
      pushgatewayUrl: z.string().optional(),
    })
    .default({ url: 'http://localhost:9090', scrapeInterval: '15s', serviceJob: 'genesis-orchestration' }),
  window: z.strictObject({
    durationHours: positive,
    extension: z.strictObject({ hours: positive, cadenceMinutes: positive, maxExtensions: nonNegative }),
  }),
  phases: z.array(phaseSchema).min(1, { message: 'at least one phase is needed' }),
  checklist: z.array(checklistItemSchema).default([]),
  commands: z.record(z.string(), commandSchema),
  slos: z
    .strictObject({
      critical: z.array(sloSchema).default([]),
      performance: z.array(levelsSchema).default([]),
      resources: z.array(levelsSchema).default([]),
    })
    .default({ critical: [], performance: [], resources: [] }),
  alerts: z.array(alertSchema).default([]),
  knownFlakyTests: z.array(z.string()).default([]),
  intermittent: z
    .strictObject({ maxFailuresPerDay: nonNegative.default(3) })
    .default({ maxFailuresPerDay: 3 }),
  logReview: z
    .strictObject({ command: name, maxErrors: nonNegative.default(0), maxWarnings: nonNegative.default(50) })
    .optional(),
  channels: channelsSchema.default({
    slack: {},
    pagerduty: [],
    email: [],
    slackWebhookEnv: {},
    emailTo: [],
    emailFrom: 'deploywatch@localhost',
    smtpUrlEnv: 'DEPLOYWATCH_SMTP_URL',
  }),
  escalation: escalationSchema,
  rollback: rollbackSchema.optional(),
  /**
   * Automatic triage, the Genesis monitoring plan's "Response Procedures": what to gather when an incident for the
   * alert opens (command ids from `commands`, and PromQL), attached to the incident and its pages.
   */
  triage: z
    .record(
      z.string(),
      z.strictObject({
        commands: z.array(name).default([]),
        queries: z.array(z.strictObject({ title: name, expr: name })).default([]),
      }),
    )
    .default({}),
  manualTriggers: manualTriggersSchema.default({
    multipleP1WithinMinutes: 60,
    passRateBelowPercent: 95,
    errorRateAbove: 0.01,
    availabilityBelowPercent: 99,
  }),
  criteria: criteriaSchema.default({
    measurementWindow: '5m',
    testPassRatePercent: 98,
    errorRateRatio: 0.001,
    p95LatencySeconds: 0.2,
    uptimePercent: 99.9,
    performanceTolerancePercent: 10,
    resourceGrowthPercentPerDay: 10,
  }),
  runbookBaseUrl: z.string().default('https://runbooks.invalid/INCIDENT_RESPONSE.md'),
  handoff: handoffSchema.default({ reportDir: '.deploywatch/reports' }),
  /**
   * Timings of the generated Alertmanager route to the bridge (`plan render alertmanager`).
   * groupWait is most of the delay between Prometheus firing and the monitor opening the incident.
   */
  alertmanager: z
    .strictObject({
      groupWait: duration.default('10s'),
      groupInterval: duration.default('1m'),
      repeatInterval: duration.default('4h'),
    })
    .default({ groupWait: '10s', groupInterval: '1m', repeatInterval: '4h' }),
});

/** A validated plan, as workflows receive it. */
export type Plan = z.infer<typeof planSchema>;
/** What a plan author writes (defaults not yet applied). */
export type PlanInput = z.input<typeof planSchema>;
