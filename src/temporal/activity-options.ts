// How workflows call activities: one named option set per kind of call, and the error types
// activities throw that a retry cannot fix. Workflows and activities both import this module, so it
// holds data only (a type import of the SDK, nothing that reaches the workflow bundle at run time).
import type { ActivityOptions } from '@temporalio/common';

/** Error types (an Error's `name`, an ApplicationFailure's `type`) that activities throw. */
export const ERROR_TYPES = {
  /** Prometheus could not answer: retried. */
  prometheusUnavailable: 'PrometheusUnavailableError',
  /** Prometheus rejected the query itself (bad PromQL): a plan error, never retried. */
  prometheusQuery: 'PrometheusQueryError',
  /** A channel refused the notification for good (4xx, missing secret): never retried. */
  notificationConfig: 'NotificationConfigError',
  /** A channel could not take the notification now (5xx, 429, network): retried. */
  notificationUnavailable: 'NotificationUnavailableError',
  /** The worker was built without something an activity needs. */
  configuration: 'ConfigurationError',
  /** The Temporal server has no Schedules (the time-skipping test server). */
  schedulesUnsupported: 'SchedulesUnsupported',
} as const;

/** For `nonRetryableErrorTypes` of activities that query Prometheus. */
export const PROMETHEUS_NON_RETRYABLE_ERROR_TYPES = [ERROR_TYPES.prometheusQuery] as const;
/** Every failure type the notify activities throw: the second one is retried. */
export const NOTIFY_ERROR_TYPES = [ERROR_TYPES.notificationConfig, ERROR_TYPES.notificationUnavailable] as const;
export type NotifyErrorType = (typeof NOTIFY_ERROR_TYPES)[number];
/** Failure types of the notify activities that a retry cannot fix. */
export const NON_RETRYABLE_NOTIFY_ERRORS = [ERROR_TYPES.notificationConfig] as const;

/** Head-room over the slowest command, so the command's own limit ends it well inside the activity's. */
const COMMAND_MARGIN_SECONDS = 120;

// Typed as ActivityOptions rather than `as const`: the SDK takes mutable arrays of error types.
export const ACTIVITY_OPTIONS: { readonly [kind in 'notify' | 'rollback' | 'window' | 'incidentCheck' | 'bauCheckpoint']: ActivityOptions } = {
  /**
   * Notifications retry until the channel recovers, for up to 12 hours: a page must outlast a
   * PagerDuty or Slack outage. Configuration errors (4xx) do not retry.
   */
  notify: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '12h',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: [...NON_RETRYABLE_NOTIFY_ERRORS] },
  },
  /** A rollback is never retried blindly: one attempt per request. */
  rollback: { startToCloseTimeout: '10m', retry: { maximumAttempts: 1 } },
  /** The end of the window (criteria, handoff report, BAU schedules) and the backtest's scan. */
  window: {
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 5, initialInterval: '30s', nonRetryableErrorTypes: [...PROMETHEUS_NON_RETRYABLE_ERROR_TYPES] },
  },
  /** An incident's triage and re-checks: short, a few attempts, then the escalation carries on. */
  incidentCheck: {
    startToCloseTimeout: '60s',
    retry: { maximumAttempts: 3, initialInterval: '5s', nonRetryableErrorTypes: [...PROMETHEUS_NON_RETRYABLE_ERROR_TYPES] },
  },
  /** The BAU daily health check. */
  bauCheckpoint: { startToCloseTimeout: '30m', heartbeatTimeout: '60s', retry: { maximumAttempts: 3 } },
};

/** A checkpoint: long enough for its slowest command, heartbeating, named in the UI by its label. */
export function checkpointOptions(slowestCommandSeconds: number, label: string): ActivityOptions {
  return {
    startToCloseTimeout: `${slowestCommandSeconds + COMMAND_MARGIN_SECONDS}s`,
    heartbeatTimeout: '60s',
    retry: { maximumAttempts: 3, initialInterval: '10s', nonRetryableErrorTypes: [...PROMETHEUS_NON_RETRYABLE_ERROR_TYPES] },
    summary: label,
  };
}

/** Rollback and triage sized by their commands, heartbeating (the command runner beats every 5 s). */
export function commandBoundOptions(slowestCommandSeconds: number): ActivityOptions {
  return { startToCloseTimeout: `${Math.ceil(slowestCommandSeconds) + COMMAND_MARGIN_SECONDS}s`, heartbeatTimeout: '60s' };
}
