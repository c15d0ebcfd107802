/**
 * The Vendure example shop's log as the driver reads it: the Alipay plugin's line for each notify request
 * (its outcome), and reconciliation's line for each run.
 */
import type { NotificationOutcome } from './shop-driver';

/**
 * The plugin's log line for one notify request (see packages/vendure-plugin/src/alipay-notification.service.ts,
 * alipay-trade-events.service.ts and notify-body-parser.ts); `verdict` says whether the shop treated the
 * notification as genuine news.
 */
/**
 * The start of every line the plugin writes about a trade: `[AlipayPlugin] order X · trade Y · Alipay Z: `,
 * where an identifier that is not a plain token is JSON-quoted by the plugin. Outcome patterns must match
 * right after it: a pattern found anywhere in a line would count text forged into a quoted field (a
 * `notify_type` carrying "→ applied") as an outcome.
 */
const LINE_PREFIX = String.raw`^\[AlipayPlugin\] order (?:"(?:[^"\\]|\\.)*"|\S+) · trade (?:"(?:[^"\\]|\\.)*"|\S+) · Alipay (?:"(?:[^"\\]|\\.)*"|\(none yet\)|\S+): `;

const anchoredPatterns = new Map<RegExp, RegExp>();

/** `text` without ANSI SGR escape sequences (colours). The plugin escapes ESC in request text itself. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what is being removed.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** `pattern` matching only right after {@link LINE_PREFIX}, at the start of the text it is given. */
function anchored(pattern: RegExp): RegExp {
  let full = anchoredPatterns.get(pattern);
  if (!full) {
    full = new RegExp(LINE_PREFIX + pattern.source);
    anchoredPatterns.set(pattern, full);
  }
  return full;
}

const OUTCOME_PATTERNS: Array<{
  pattern: RegExp;
  outcome: (m: RegExpExecArray) => Omit<NotificationOutcome, 'line'>;
}> = [
  // applyTradeEvent: "notify TRADE_SUCCESS → applied: …" (applied | recorded | orphan = acted on;
  // duplicate | ignored | rejected = refused).
  {
    pattern:
      /notify (?:"(?:[^"\\]|\\.)*"|\S+) → (applied|recorded|orphan|duplicate|ignored|rejected): (?:rejected \((\w+)\))?/,
    outcome: m => ({
      verdict: m[1] === 'applied' || m[1] === 'recorded' || m[1] === 'orphan' ? 'accepted' : 'refused',
      reason: m[2] ?? m[1]!,
    }),
  },
  {
    pattern: /batch_refund_notify → (\w+):/,
    outcome: m => ({ verdict: 'accepted', reason: `refund-${m[1]}` }),
  },
  { pattern: /notification rejected \((\w+)\)/, outcome: m => ({ verdict: 'refused', reason: m[1]! }) },
  {
    pattern: /verified notification \(\S+\) for a trade this channel never created/,
    outcome: () => ({ verdict: 'refused', reason: 'unknown_trade' }),
  },
  {
    pattern: /rejected a notify request body \(([\w.]+)/,
    outcome: m => ({ verdict: 'refused', reason: `body:${m[1]}` }),
  },
  {
    pattern: /notification for unknown (channel token|Alipay payment method)/,
    outcome: m => ({
      verdict: 'refused',
      reason: m[1] === 'channel token' ? 'unknown_channel' : 'unknown_method',
    }),
  },
  {
    pattern: /notification .*could not be processed.*answered fail/,
    outcome: () => ({ verdict: 'refused', reason: 'processing_error' }),
  },
  {
    pattern: /cannot verify a notification/,
    outcome: () => ({ verdict: 'refused', reason: 'invalid_settings' }),
  },
];

/**
 * The notification outcomes in `lines`, one per notify request the plugin logged (see
 * {@link OUTCOME_PATTERNS}).
 */
export function vendureNotificationOutcomes(lines: readonly string[]): NotificationOutcome[] {
  const outcomes: NotificationOutcome[] = [];
  for (const line of lines) {
    // Vendure's logger colours its output when the environment asks for colour (FORCE_COLOR, as set
    // under CI): the escape codes sit around the context, so they go before matching.
    const plain = stripAnsi(line);
    // From the plugin's context on: the first `[AlipayPlugin]` is the logger's, any later one is text.
    const start = plain.indexOf('[AlipayPlugin]');
    if (start < 0) continue;
    const message = plain.slice(start);
    for (const { pattern, outcome } of OUTCOME_PATTERNS) {
      const match = anchored(pattern).exec(message);
      if (match) {
        outcomes.push({ ...outcome(match), line });
        break;
      }
    }
  }
  return outcomes;
}

/** What a reconciliation run logs when it ends (AlipayReconciliationService): how many trades it checked. */
const RECONCILIATION_LINE = /reconciliation checked (\d+) trade/;

/** How many trades each reconciliation run logged in `lines` checked. */
export function reconciliationRunsChecked(lines: readonly string[]): number[] {
  return lines
    .map(line => RECONCILIATION_LINE.exec(stripAnsi(line)))
    .filter(m => m !== null)
    .map(m => Number(m[1]));
}
