/**
 * Alipay writes every timestamp in Beijing time (UTC+8, no daylight saving) as `yyyy-MM-dd HH:mm:ss`.
 * These helpers format and parse that form from epoch milliseconds.
 */

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/*
 * Formatting goes through Intl with a fixed UTC+8 zone (`Etc/GMT-8`: POSIX signs are inverted), not
 * through offset arithmetic: the core does the arithmetic, and the emulator must not share its method
 * if it is to catch the core's mistakes. A fixed zone, not Asia/Shanghai, which had summer time in
 * 1986–1991 and local mean time before 1901; Alipay's timestamps have neither.
 */
const BEIJING = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Etc/GMT-8',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Beijing calendar fields of an instant, as zero-padded text. */
function beijingParts(ms: number): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const parts: Record<string, string> = {};
  for (const part of BEIJING.formatToParts(ms)) parts[part.type] = part.value;
  return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}

/** Epoch ms → `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function formatBeijing(ms: number): string {
  const p = beijingParts(ms);
  return `${p.year.padStart(4, '0')}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Epoch ms → `yyyyMMdd` in Beijing time (the date prefix of batch numbers and trade numbers). */
export function beijingDate(ms: number): string {
  const p = beijingParts(ms);
  return `${p.year.padStart(4, '0')}${p.month}${p.day}`;
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
