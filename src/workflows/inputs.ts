// What starts the monitor and its escalation children, what the monitor carries across
// continue-as-new, and what it returns. Serialised in workflow history: shapes never change.
import type { Health } from '../plan/results.js';
import type { CheckpointRecord, Deployment, Evidence, HandoffRecord, IncidentSummary, RejectedMessage, ReviewRecord, RollbackRecord, SignOff, WindowVerdict } from '../plan/records.js';
import type { NotifyChannel } from '../plan/routing.js';
import type { AlertRule, CommandSpec, Plan, Priority } from '../plan/schema.js';

export interface MonitorInput {
  deployment: Deployment;
  plan: Plan;
  /**
   * What the checkpoint timers count from. `deployment` (live monitoring): a monitor started late
   * runs the checkpoints it missed at once. `workflow-start` (backtest): the time-skipping server's
   * clock starts at today's real time, while checks evaluate the deployment's own past times.
   */
  clockBase?: 'deployment' | 'workflow-start';
  /** Backtest: rollbacks and notifications are recorded, never executed or sent. */
  dryRun?: boolean;
  /** Set by the monitor itself when it continues as new (window extension). */
  carried?: CarriedState;
}

/** What the monitor carries through continue-as-new (kept small: no raw series, no logs). */
export interface CarriedState {
  state: MonitorState;
  judgeHistory: unknown;
  extensions: number;
  health: Health;
}

/** Everything the monitor must carry across continue-as-new. */
export interface MonitorState {
  records: CheckpointRecord[];
  incidents: IncidentSummary[];
  nextIncident: number;
  rollback: RollbackRecord | null;
  /** "slack:#genesis-alerts", … : channels that answered with a configuration error. */
  brokenChannels: string[];
  /** Bad operator payloads, kept (bounded) so they are visible in `status`. */
  rejected: RejectedMessage[];
  systemWideDeclared: boolean;
  verdicts: WindowVerdict[];
  signOffs: SignOff[];
  handoff: HandoffRecord | null;
  /** Interim reviews (T+1h, T+12h, T+24h, T+36h, …) as posted. */
  reviews: ReviewRecord[];
  /** Bridged alert notifications already acted on (fingerprint/startsAt/status), bounded. */
  seenAlerts: string[];
}

/** The monitor workflow's signature, for continue-as-new and typed starts. */
export type DeploymentMonitor = (input: MonitorInput) => Promise<MonitorOutcome>;

export type Outcome = 'graduated' | 'extend' | 'rolled-back';

export interface MonitorOutcome {
  outcome: Outcome;
  checkpointsRun: number;
  health: Health;
  incidents: IncidentSummary[];
  rollback: RollbackRecord | null;
  verdicts: WindowVerdict[];
  signOffs: SignOff[];
  handoff: HandoffRecord | null;
}

export interface IncidentInfo {
  /** Also the PagerDuty dedup key, so a retried page never opens a second PagerDuty incident. */
  id: string;
  number: number;
  alert: string;
  priority: Priority;
  summary: string;
  /** When the breach began, from the data (evaluation-time domain). */
  startedAt: string;
  detectedAt: string;
  evidence: Evidence;
  /** The Genesis monitoring plan's manual-escalation triggers: straight to the incident commander. */
  straightToCommander: boolean;
  /** Found after it had already ended: recorded and announced, nobody paged. */
  alreadyEnded: boolean;
  endedAt: string | null;
  /** A human opened it (manual escalation). */
  openedBy: string | null;
}

export interface EscalationInput {
  incident: IncidentInfo;
  deployment: Deployment;
  monitorWorkflowId: string;
  channels: Plan['channels'];
  escalation: Plan['escalation'];
  prometheus: Plan['prometheus'];
  /** The alert's rule, for re-checks before escalating (absent for human-opened incidents). */
  rule: AlertRule | null;
  runbookUrl: string | null;
  /** Evaluation time = workflow time + shift (0 live; the backtest's deployment-vs-clock offset). */
  evalShiftMs: number;
  /** Backtest: notifications are recorded, never sent. */
  dryRun: boolean;
  /** Channels known to be broken: a "channel broken" incident is announced through the others. */
  excludeChannels: NotifyChannel[];
  /** What to gather when the incident opens (the plan's triage for this alert), if anything. */
  triage: { commands: Record<string, CommandSpec>; queries: Array<{ title: string; expr: string }> } | null;
}
