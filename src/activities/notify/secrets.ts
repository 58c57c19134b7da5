// Secrets of the notification channels: read from the environment by name, never stored, and
// scrubbed from every error message and log line.
import { configError } from './failures.js';

export const REDACTED = '[redacted]';

// Defence in depth for secrets we were not told about: Slack webhook paths and URL credentials.
const SLACK_WEBHOOK = /hooks\.slack\.com\/services\/[^\s"'<>]+/gi;

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;

/** `message` with every secret (and its URL-encoded form) replaced; secrets under 4 characters are ignored. */
export function scrub(message: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let out = message;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out.replace(SLACK_WEBHOOK, `hooks.slack.com/services/${REDACTED}`).replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** The parts of a URL that can leak a secret: the whole, its path and query, its credentials. */
export function urlSecrets(raw: string): string[] {
  const secrets = [raw];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return secrets;
  }
  secrets.push(url.href, url.pathname + url.search, url.search.slice(1));
  for (const part of [url.username, url.password]) {
    if (part === '') continue;
    secrets.push(part);
    try {
      secrets.push(decodeURIComponent(part));
    } catch {
      // Not percent-encoded: the raw form is already listed.
    }
  }
  // Path segments after the first are tokens in Slack's /services/T…/B…/<secret>.
  secrets.push(...url.pathname.split('/').filter(Boolean).slice(1));
  return secrets.filter((s) => s !== '' && s !== '/');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The value of an environment variable; errors name the variable, never a value. */
/** Where secrets are read by name: process.env in production, a plain object in tests. */
export type SecretEnv = NodeJS.ProcessEnv | Record<string, string | undefined>;

export function secretFromEnv(env: SecretEnv, name: string, what: string): string {
  // A URL or key passed where a name belongs is already in history; at least don't echo it again.
  if (!ENV_NAME.test(name)) throw configError(`${what}: the input must name an environment variable, and it does not`);
  const value = env[name]?.trim();
  if (!value) throw configError(`${what}: environment variable ${name} is not set`);
  return value;
}

export function parseUrl(value: string, envName: string, what: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${what}: environment variable ${envName} does not hold a valid URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw configError(`${what}: environment variable ${envName} must hold a ${protocols.join(' or ')} URL`);
  }
  return url;
}
