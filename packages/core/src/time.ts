/** Alipay's clocks run on Beijing time (UTC+8, no daylight saving) whatever the server's zone. */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai, as Alipay's `timestamp`, `refund_date` and `gmt_*` fields. */
export function formatBeijingTime(date: Date): string {
  const d = new Date(date.getTime() + BEIJING_OFFSET_MS);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `yyyyMMdd` in Asia/Shanghai (the date prefix of a legacy refund `batch_no`). */
export function beijingDate(date: Date): string {
  const d = new Date(date.getTime() + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** Parses Alipay's `yyyy-MM-dd HH:mm:ss` (Beijing time) into a Date; undefined when malformed. */
export function parseBeijingTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const utc = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  return new Date(utc - BEIJING_OFFSET_MS);
}
