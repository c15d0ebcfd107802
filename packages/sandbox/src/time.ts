/**
 * Alipay writes every timestamp in Beijing time (UTC+8, no daylight saving) as `yyyy-MM-dd HH:mm:ss`.
 * These helpers format and parse that form from epoch milliseconds without any timezone database.
 */

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Epoch ms → `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai. */
export function formatBeijing(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Epoch ms → `yyyyMMdd` in Asia/Shanghai (the date prefix of batch numbers and trade numbers). */
export function beijingDate(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai → epoch ms, or undefined when the text is not exactly that form. */
export function parseBeijing(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS;
  // Reject dates like 02-31 that Date.UTC silently rolls over.
  return formatBeijing(ms) === text ? ms : undefined;
}

/** Minutes, hours, days as Alipay's relative timeouts write them (`it_b_pay`, `timeout_express`). */
export function parseRelativeTimeout(text: string): number | undefined {
  const m = /^([1-9][0-9]*)([mhd])$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 86_400_000;
  return n * unit;
}

/** Common durations, in Alipay time (before `--time-scale` divides them). */
export const MINUTE = 60_000;
/** One hour in ms. */
export const HOUR = 60 * MINUTE;
/** One day in ms. */
export const DAY = 24 * HOUR;
