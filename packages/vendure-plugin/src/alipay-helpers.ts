import { createHash } from 'node:crypto';
import type {
  AlipayEvent,
  AlipaySettings,
  Bilingual,
  ConfigIssue,
  SettingsPolicy,
} from '@alipay-commerce/core';
import {
  AlipayError,
  AlipayGatewayError,
  resolveEnvReference,
  SECRET_SETTINGS,
  STRICT_SETTINGS_POLICY,
} from '@alipay-commerce/core';
import {
  ESCROW_INTERFACE_TYPES,
  FIRST_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
} from '@alipay-commerce/core/lifecycle';
import type { PaymentMethod } from '@vendure/core';
import { ALIPAY_SHIPMENT_QUEUE } from './constants';

/**
 * Pure helpers of the plugin: no Vendure services, no I/O, so they are unit-tested on their own.
 */

/** Identifies a trade in log lines and history entries; the trade number is Alipay's, when known. */
export interface TradeLabel {
  /** Code of the Vendure order, or undefined when the trade is not (yet) known to the plugin. */
  orderCode?: string | null;
  /** The merchant trade number (`out_trade_no`). */
  outTradeNo?: string | null;
  /** Alipay's trade number (`trade_no`). */
  tradeNo?: string | null;
}

/**
 * The prefix every log line of the plugin starts with, so one search for an order code or a trade
 * number finds every line about it: `order AB12 · trade AB12-1 · Alipay 2026…`.
 */
export function describeTrade(label: TradeLabel): string {
  return `order ${label.orderCode ? logSafeId(label.orderCode) : '(unknown)'} · trade ${
    label.outTradeNo ? logSafeId(label.outTradeNo) : '(unknown)'
  } · Alipay ${label.tradeNo ? logSafeId(label.tradeNo) : '(none yet)'}`;
}

/** The text of an error for a log line or an admin message; core errors never carry secrets. */
export function describeError(error: unknown): string {
  if (error instanceof AlipayGatewayError) {
    return `${error.code} (${[error.gatewayCode, error.subCode].filter(Boolean).join(' / ')}): ${error.hint.en}`;
  }
  if (error instanceof AlipayError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Line breaks and other control characters: C0, DEL, C1 and the Unicode line/paragraph separators. */
function isUnsafeInLog(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function escapeUnsafe(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isUnsafeInLog(code) ? `\\u${code.toString(16).padStart(4, '0')}` : text[i];
  }
  return out;
}

/**
 * Text from a request (an unverified trade number, a URL segment, a message quoting a field) made safe
 * for one log line: control characters and line breaks escaped as `\uXXXX`, at most `max` characters. A
 * forged value can then never start a log line of its own (log forging).
 */
export function logSafe(text: string, max = 300): string {
  return escapeUnsafe(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** An identifier for a log line: as it is when it looks like one, else quoted (JSON) and escaped. */
export function logSafeId(value: string): string {
  if (/^[\w.:-]{1,64}$/.test(value)) return value;
  return escapeUnsafe(JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value));
}

/** Payment states that carry no money. */
const DEAD_PAYMENT_STATES = ['Cancelled', 'Declined', 'Error'];

/**
 * True when an order's money waits in Alipay escrow: at least one `Authorized` payment recorded by
 * this plugin from an escrow-capable interface, and every other live payment `Settled`. Such an
 * order may ship before its payment settles (see `alipayEscrowOrderProcess`).
 */
export function isHeldInAlipayEscrow(
  payments: ReadonlyArray<{ state: string; metadata?: Record<string, unknown> | null }>,
): boolean {
  const live = payments.filter(p => !DEAD_PAYMENT_STATES.includes(p.state));
  const inEscrow = (p: (typeof live)[number]) =>
    p.state === 'Authorized' &&
    typeof p.metadata?.tradeNo === 'string' &&
    ESCROW_INTERFACE_TYPES.includes(String(p.metadata?.interfaceType));
  return live.some(inEscrow) && live.every(p => p.state === 'Settled' || inEscrow(p));
}

/** Joins the English and Chinese halves of a user-facing text, English first. */
export function bilingual(text: Bilingual): string {
  return `${text.en} / ${text.zh}`;
}

/** Names of the settings that hold secrets (MD5 key, private key, AES key, app auth token). */
export const SECRET_ARG_NAMES: readonly string[] = SECRET_SETTINGS;

/** Settings stored as booleans (`"true"` / `"false"` strings in the payment method). */
const BOOLEAN_ARG_NAMES = new Set(['refundWithoutPassword', 'alwaysQrOnDesktop']);

/** The settings of one payment method as the core reads them, or the problems found on the way. */
export type FlatSettingsResult =
  | { ok: true; settings: AlipaySettings }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Turns the stored arguments of an Alipay payment method (`{ name, value }` strings, as Vendure keeps
 * them) into the core's flat {@link AlipaySettings}, reading `env:NAME` secrets from `env`.
 *
 * An unusable `env:` reference becomes an issue on that field (naming the variable, never a value),
 * so it reaches the admin the same way as a validation issue of the core.
 */
export function settingsFromArgs(
  args: ReadonlyArray<Pick<PaymentMethod['handler']['args'][number], 'name' | 'value'>>,
  env: NodeJS.ProcessEnv = process.env,
  policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
): FlatSettingsResult {
  const settings: Record<string, string | boolean> = {};
  const issues: ConfigIssue[] = [];
  for (const { name, value } of args) {
    if (BOOLEAN_ARG_NAMES.has(name)) {
      settings[name] = value === 'true';
    } else if (SECRET_ARG_NAMES.includes(name)) {
      const resolved = resolveEnvReference(name, value, env, policy);
      if (!resolved.ok) {
        issues.push(resolved.issue);
      } else if (resolved.value !== undefined) {
        settings[name] = resolved.value;
      }
    } else if (value !== undefined && value !== null && value !== '') {
      settings[name] = value;
    }
  }
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  return { ok: true, settings: settings as unknown as AlipaySettings };
}

/** A cache key for settings that never keeps a secret in clear: a SHA-256 of the resolved values. */
export function settingsFingerprint(settings: AlipaySettings): string {
  const sorted = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/**
 * The bilingual text of configuration issues, one line per field: what the admin sees when saving a
 * payment method fails, and the hint of an intent error. Issues describe fields, never their values.
 */
export function describeIssues(issues: readonly ConfigIssue[]): Bilingual {
  return {
    en: issues.map(issue => `${issue.field}: ${issue.message.en}`).join('\n'),
    zh: issues.map(issue => `${issue.field}：${issue.message.zh}`).join('\n'),
  };
}

/** True when a stored secret is a literal (not an `env:NAME` reference), i.e. must not be shown. */
export function isLiteralSecret(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.trim() !== '' && !value.trim().startsWith('env:');
}

/** Order states in which an Alipay payment can still be added to the order. */
export const PAYABLE_ORDER_STATES: readonly string[] = [
  'AddingItems',
  'ArrangingPayment',
  'ArrangingAdditionalPayment',
];

/** The verified fields worth keeping with a trade (everything Alipay sent, minus the signature). */
export function eventFields(event: AlipayEvent): Record<string, string> {
  const { sign: _sign, sign_type: _signType, ...fields } = event.raw;
  return fields;
}

/**
 * The `subject` (商品名称) shown on the Alipay cashier: the first product and how many more there
 * are, e.g. `Celadon Tea Set 等 3 件`. Alipay allows 256 bytes; 60 characters stay well below. It
 * never names the order: the subject is in the payment URL and on the payer's bill, and the order code
 * opens a guest order (Vendure's `orderByCode`).
 */
export function paymentSubject(lineNames: readonly string[]): string {
  const [first] = lineNames;
  if (!first) {
    return 'Order 订单';
  }
  const subject = lineNames.length > 1 ? `${first} 等 ${lineNames.length} 件` : first;
  return subject.length > 60 ? `${subject.slice(0, 59)}…` : subject;
}

/** True for a TypeORM error caused by a unique index (SQLite, PostgreSQL, MySQL/MariaDB). */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string; errno?: number } } | undefined)?.driverError;
  const code = driverError?.code ?? (error as { code?: string } | undefined)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return true;
  }
  if (code === '23505' || code === 'ER_DUP_ENTRY') {
    return true;
  }
  return /UNIQUE constraint failed|duplicate key value|Duplicate entry/i.test(
    error instanceof Error ? error.message : '',
  );
}

/**
 * A set of at most `capacity` strings that forgets the oldest first: the plugin's memory of receipts it
 * committed recently. Bounded, so a process that handles millions of notifications keeps a fixed amount
 * of them in memory (the database's receipts remain the record; this only saves work).
 */
export class BoundedSet {
  private readonly items = new Set<string>();

  constructor(readonly capacity: number) {}

  has(item: string): boolean {
    return this.items.has(item);
  }

  add(item: string): void {
    if (this.items.has(item)) {
      return;
    }
    if (this.items.size >= this.capacity) {
      const oldest = this.items.values().next().value;
      if (oldest !== undefined) {
        this.items.delete(oldest);
      }
    }
    this.items.add(item);
  }

  get size(): number {
    return this.items.size;
  }
}

/**
 * The cron schedule of the reconciliation task for an interval in minutes: every N minutes below an
 * hour, every whole number of hours above (cron cannot express "every 90 minutes").
 */
export function reconciliationSchedule(intervalMinutes: number): string {
  if (intervalMinutes < 60) {
    return `*/${Math.max(1, intervalMinutes)} * * * *`;
  }
  const hours = Math.max(1, Math.round(intervalMinutes / 60));
  return hours >= 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}

/**
 * An exponential backoff for Vendure's job queue: the core's retry schedule (15 s, 30 s, 1 min …
 * capped at an hour) for the plugin's queue (a confirmation that Alipay refuses now often works minutes
 * later), and `fallback`'s delay (1 s by default, Vendure's own default) for every other queue.
 *
 * Vendure configures backoff per job queue strategy, not per queue, so pass it to
 * `DefaultJobQueuePlugin.init({ backoffStrategy: alipayBackoffStrategy() })`.
 */
export function alipayBackoffStrategy(
  options: {
    baseDelayMs?: number;
    maxDelayMs?: number;
    fallback?: (queueName: string, attemptsMade: number) => number;
  } = {},
): (queueName: string, attemptsMade: number) => number {
  const base = options.baseDelayMs ?? FIRST_RETRY_DELAY_MS;
  const max = options.maxDelayMs ?? MAX_RETRY_DELAY_MS;
  return (queueName, attemptsMade) => {
    if (queueName !== ALIPAY_SHIPMENT_QUEUE) {
      return options.fallback ? options.fallback(queueName, attemptsMade) : 1_000;
    }
    return Math.min(max, base * 2 ** Math.max(0, attemptsMade - 1));
  };
}
