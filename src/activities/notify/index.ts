// The notify activities and the message each channel receives.
export { createNotifyActivities, DEFAULT_PAGERDUTY_URL, type EmailInput, type NotifyDeps, type NotifyResult, type PagerDutyInput, type SlackInput } from './notify-activities.js';
export { retryAfterMs } from './failures.js';
export { scrub, urlSecrets } from './secrets.js';
export { emailMessage } from './email.js';
export { pagerDutyEvent } from './pagerduty.js';
export { slackMessage } from './slack.js';
