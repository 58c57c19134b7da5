// A notification as a Slack message (Block Kit), within Slack's size limits.
import type { Notification } from '../../plan/routing.js';
import { allLinks, EVENT_LABEL, headline, truncate, valueText } from './text.js';

// Slack limits (Block Kit reference): header 150, section text 3000, 10 fields of 2000, context 10
// elements, 50 blocks per message.
const SLACK = { header: 150, text: 3000, field: 2000, fields: 10, context: 10, blocks: 50, detailSections: 4 } as const;

/** Slack mrkdwn treats &, < and > as control characters. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackLink(href: string, text: string): string {
  return `<${href.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${mrkdwn(text).replace(/\|/g, '¦')}>`;
}

function field(label: string, value: string) {
  return { type: 'mrkdwn', text: truncate(`*${mrkdwn(label)}*\n${mrkdwn(value)}`, SLACK.field) };
}

export function slackMessage(n: Notification): { text: string; blocks: unknown[] } {
  const facts = [
    field('Deployment', n.deploymentId),
    field('Service', n.service),
    field('Event', EVENT_LABEL[n.event]),
    field('Incident', n.incidentId),
    ...(n.role ? [field('Role', n.role)] : []),
  ];
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline(n), SLACK.header), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*${mrkdwn(n.title)}*\n${mrkdwn(n.summary)}`, SLACK.text) },
      fields: facts,
    },
  ];
  const details = Object.entries(n.details).map(([k, v]) => field(k, valueText(v)));
  const shown = details.slice(0, SLACK.fields * SLACK.detailSections);
  for (let i = 0; i < shown.length; i += SLACK.fields) {
    blocks.push({ type: 'section', fields: shown.slice(i, i + SLACK.fields) });
  }
  const context: unknown[] = allLinks(n).map((l) => ({ type: 'mrkdwn', text: slackLink(l.href, l.text) }));
  if (details.length > shown.length) context.unshift({ type: 'mrkdwn', text: `${details.length - shown.length} more details not shown` });
  if (context.length > 0) {
    blocks.push({ type: 'divider' }, { type: 'context', elements: context.slice(0, SLACK.context) });
  }
  return { text: truncate(`${headline(n)}: ${n.title}`, SLACK.text), blocks: blocks.slice(0, SLACK.blocks) };
}
