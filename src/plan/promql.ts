// PromQL syntax check with Prometheus's own grammar (the one its web UI uses), so a plan never
// reaches a 48-hour window carrying a query Prometheus would reject. Syntax only: types such as
// rate() of an instant vector are Prometheus's to judge at query time.
import { parser } from '@prometheus-io/lezer-promql';

const CONTEXT_CHARS = 20;

function position(expr: string, offset: number): string {
  const before = expr.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return line > 1 ? `line ${line}, column ${column}` : `column ${column}`;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > CONTEXT_CHARS ? `${trimmed.slice(0, CONTEXT_CHARS)}…` : trimmed;
}

/** Syntax errors in `expr`, each with its position ("column 12: unexpected 'bar'"); empty when valid. */
export function promqlErrors(expr: string): string[] {
  if (expr.trim() === '') return ['empty expression'];
  // The parser recovers from errors by inserting zero-width or token-wide error nodes; adjacent
  // ones describe one mistake, so they are merged into one span.
  const spans: Array<{ from: number; to: number }> = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (!node.type.isError) return;
      const last = spans[spans.length - 1];
      if (last && node.from <= last.to) last.to = Math.max(last.to, node.to);
      else spans.push({ from: node.from, to: node.to });
    },
  });
  return spans.map(({ from, to }) => {
    const where = position(expr, from);
    if (to > from) return `${where}: unexpected '${excerpt(expr.slice(from, to))}'`;
    const rest = expr.slice(from);
    return rest.trim() === ''
      ? `${where}: unexpected end of expression`
      : `${where}: syntax error before '${excerpt(rest)}'`;
  });
}
