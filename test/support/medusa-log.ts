/**
 * The Medusa example shop's log as the driver reads it: Medusa's logger writes JSON lines in production
 * mode, and the plugin's notify route one outcome line per request.
 */
import type { NotificationOutcome } from './shop-driver';

/**
 * The plugin's one line per notify request (packages/medusa-plugin/src/api/hooks/alipay/notify/…/route.ts),
 * as the whole start of the logger's `message`: `[alipay] notify request accepted|refused (<reason>): HTTP
 * <status> success|fail|ACK` (`ACK`: Antom's JSON acknowledgement). Anchored there, so request text (escaped, and only ever after this prefix) cannot
 * match, and no other plugin line can: the reconciliation job and the return route write `[alipay]
 * TRADE_SUCCESS (query): processed, order_created …` and the like, which are not notify requests.
 */
const OUTCOME =
  /^\[alipay\] notify request (accepted|refused) \(([\w.:-]+)\): HTTP \d{3}(?: \([^)]*\))? (success|fail|ACK) \(/;
/** The logger level of each verdict: the route writes `accepted` at info, `refused` at warn. */
const OUTCOME_LEVEL = { accepted: 'info', refused: 'warn' } as const;
/**
 * A line that looks like a notification outcome (this plugin's, or the Vendure-looking one the hostile
 * suite forges) but is not a message of Medusa's logger: text from a request that started a line of its
 * own. Counted as accepted, so that a successful log forgery fails the hostile suite.
 */
const FORGED_OUTCOME = /notify request accepted|: notify \S+ → (applied|recorded|orphan)/;

/** The level and `message` of a line Medusa's logger wrote (JSON in production), or undefined for any other line. */
function loggerEntry(line: string): { level: string; message: string } | undefined {
  if (!line.startsWith('{"')) return undefined;
  try {
    const parsed = JSON.parse(line) as { level?: unknown; message?: unknown };
    return typeof parsed.level === 'string' && typeof parsed.message === 'string'
      ? { level: parsed.level, message: parsed.message }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The notification outcomes in `lines`, one per notify request the plugin's route logged ({@link OUTCOME});
 * a forged outcome line ({@link FORGED_OUTCOME}) counts as accepted.
 */
export function medusaNotificationOutcomes(lines: readonly string[]): NotificationOutcome[] {
  const outcomes: NotificationOutcome[] = [];
  for (const line of lines) {
    if (!line.includes('notify')) continue;
    const entry = loggerEntry(line);
    if (entry === undefined) {
      if (FORGED_OUTCOME.test(line)) outcomes.push({ verdict: 'accepted', reason: 'forged_log_line', line });
      continue;
    }
    const match = OUTCOME.exec(entry.message);
    if (!match) continue;
    const verdict = match[1] as 'accepted' | 'refused';
    // The route's line at its own level; anything else with that text is not the route's outcome line.
    if (entry.level === OUTCOME_LEVEL[verdict]) outcomes.push({ verdict, reason: match[2]!, line });
  }
  return outcomes;
}
