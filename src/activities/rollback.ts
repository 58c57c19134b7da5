// The rollback procedure. Never retried blindly: the workflow calls it with one attempt, and the
// HTTP form sends an idempotency key so a deploy system that honours it cannot roll back twice.
import { Context } from '@temporalio/activity';
import { request } from 'undici';
import { sharedCommandRunner, type CommandRunner } from '../command-runner/command-runner.js';
import type { RollbackProcedure } from '../plan/schema.js';
import { runCommand } from './commands.js';

export interface RollbackInput {
  deploymentId: string;
  version: string;
  reason: string;
  actor: string;
  idempotencyKey: string;
  procedure: RollbackProcedure | null;
}

export interface RollbackResult {
  ok: boolean;
  detail: string;
}

export function createRollbackActivity(deps: { env?: Record<string, string | undefined>; runner?: CommandRunner } = {}) {
  const env = deps.env ?? process.env;
  const runner = deps.runner ?? sharedCommandRunner();
  return async function rollback(input: RollbackInput): Promise<RollbackResult> {
    const procedure = input.procedure;
    if (!procedure) return { ok: false, detail: 'no rollback procedure is configured in the plan (rollback:)' };
    if (procedure.command) {
      const ctx = Context.current();
      // Heartbeats carry cancellation to the activity; cancelling kills the script and its children.
      const result = await runCommand(runner, 'rollback', procedure.command, {
        placeholders: { deploymentId: input.deploymentId, version: input.version, reason: input.reason, idempotencyKey: input.idempotencyKey },
        signal: ctx.cancellationSignal,
        onTick: () => ctx.heartbeat(),
      });
      return {
        ok: result.ok,
        detail: result.ok ? `rollback command succeeded: ${result.outputTail.trim().slice(-200)}` : `rollback command failed (${result.error ?? `exit ${result.exitCode}`}): ${result.outputTail.trim().slice(-200)}`,
      };
    }
    const http = procedure.http!;
    const token = http.tokenEnv ? env[http.tokenEnv] : undefined;
    if (http.tokenEnv && !token) return { ok: false, detail: `environment variable ${http.tokenEnv} (rollback token) is not set` };
    try {
      const res = await request(http.url, {
        method: http.method,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': input.idempotencyKey,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ deploymentId: input.deploymentId, version: input.version, reason: input.reason, requestedBy: input.actor }),
        headersTimeout: http.timeoutSeconds * 1000,
        bodyTimeout: http.timeoutSeconds * 1000,
      });
      const text = (await res.body.text()).slice(0, 200);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, detail: `deploy system answered ${res.statusCode}${text ? `: ${text}` : ''}` };
    } catch (err) {
      // The URL may carry credentials: report the kind of failure, not the address.
      return { ok: false, detail: `rollback request failed: ${(err as Error).name}` };
    }
  };
}
