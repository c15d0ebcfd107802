/**
 * The charsets the emulated gateway speaks (`_input_charset` / `charset`): UTF-8 and the GBK family.
 * Written for the sandbox on purpose, not imported from the core: the emulator must check the core's
 * charset handling, so it must not share it. Decoding uses the WHATWG decoders built into Node; GBK
 * encoding (which Node lacks) reverses the GBK decoder once, into a table.
 */

/** A charset the gateway accepts. GB2312 is read and written as GBK, its superset, as Alipay does. */
export type AlipayCharset = 'utf-8' | 'gbk' | 'gb2312';

/** The labels merchants send, lower-cased. GB18030 is not among the charsets the gateway lists. */
const LABELS: ReadonlyMap<string, AlipayCharset> = new Map([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['gbk', 'gbk'],
  ['cp936', 'gbk'],
  ['gb2312', 'gb2312'],
]);

/** The charset a label names (`UTF-8`, `GBK`, `utf8`), or undefined when the gateway does not accept it. */
export function charsetOf(label: string | undefined): AlipayCharset | undefined {
  return label === undefined ? undefined : LABELS.get(label.trim().toLowerCase());
}

/** The WHATWG decoder label of a charset. */
function decoderLabel(charset: AlipayCharset): string {
  return charset === 'utf-8' ? 'utf-8' : 'gbk';
}

/**
 * Bytes → text. `fatal` (the default) throws a `TypeError` on bytes invalid in the charset; otherwise
 * they become U+FFFD, as the real gateway's lenient decoding does before the signature check fails.
 */
export function decodeText(bytes: Uint8Array, charset: AlipayCharset = 'utf-8', fatal = true): string {
  return new TextDecoder(decoderLabel(charset), { fatal, ignoreBOM: true }).decode(bytes);
}

let gbkTable: Map<string, number[]> | undefined;

/** Every character GBK can write, with its bytes: the GBK decoder run over each byte pair, reversed. */
function gbk(): Map<string, number[]> {
  if (gbkTable) return gbkTable;
  gbkTable = new Map();
  const decoder = new TextDecoder('gbk', { fatal: true });
  const learn = (bytes: number[]): void => {
    let text: string;
    try {
      text = decoder.decode(Uint8Array.from(bytes));
    } catch {
      return; // not a character
    }
    if (!gbkTable!.has(text)) gbkTable!.set(text, bytes);
  };
  learn([0x80]); // the euro sign, GBK's one single-byte extension
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) learn([lead, trail]);
  }
  return gbkTable;
}

/** Text → bytes. A character GBK cannot write becomes `?`, as Java's encoder writes it. */
export function encodeText(text: string, charset: AlipayCharset = 'utf-8'): Uint8Array {
  if (charset === 'utf-8') return new TextEncoder().encode(text);
  const table = gbk();
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else out.push(...(table.get(ch) ?? [0x3f]));
  }
  return Uint8Array.from(out);
}
