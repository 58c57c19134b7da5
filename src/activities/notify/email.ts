// A notification as an email (plain text and HTML).
import type { Notification } from '../../plan/routing.js';
import { allLinks, headline, valueText } from './text.js';

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function emailMessage(n: Notification): { subject: string; text: string; html: string } {
  const facts: Array<[string, string]> = [
    ['Deployment', n.deploymentId],
    ['Service', n.service],
    ['Incident', n.incidentId],
    ...(n.role ? [['Role', n.role] as [string, string]] : []),
  ];
  const details = Object.entries(n.details).map(([k, v]): [string, string] => [k, valueText(v)]);
  const links = allLinks(n);
  const heading = n.event === 'digest' ? 'Items' : 'Details';
  const text = [
    headline(n),
    n.title,
    '',
    n.summary,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(details.length > 0 ? ['', `${heading}:`, ...details.map(([k, v]) => `- ${k}: ${v}`)] : []),
    ...(links.length > 0 ? ['', ...links.map((l) => `${l.text}: ${l.href}`)] : []),
  ].join('\n');
  const rows = (pairs: Array<[string, string]>) =>
    pairs.map(([k, v]) => `<tr><th align="left">${html(k)}</th><td>${html(v)}</td></tr>`).join('');
  const body = [
    `<h2>${html(headline(n))}</h2>`,
    `<p><strong>${html(n.title)}</strong></p>`,
    `<p>${html(n.summary)}</p>`,
    `<table>${rows(facts)}</table>`,
    ...(details.length > 0 ? [`<h3>${heading}</h3>`, `<table>${rows(details)}</table>`] : []),
    ...(links.length > 0
      ? [`<ul>${links.map((l) => `<li><a href="${html(l.href)}">${html(l.text)}</a></li>`).join('')}</ul>`]
      : []),
  ].join('\n');
  return { subject: `${headline(n)}: ${n.title}`.replace(/[\r\n]+/g, ' '), text, html: body };
}
