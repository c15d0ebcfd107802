/**
 * Antom's JSON, read strictly: a body whose objects repeat a key is refused, as the form parser refuses a
 * repeated field. Readers disagree on which of two `paymentRequestId`s counts (`JSON.parse` takes the last),
 * and a signature over the bytes does not say which one Antom meant.
 */

/** True when some object in the JSON text `text` names the same key twice (the text must be valid JSON). */
export function hasDuplicateKeys(text: string): boolean {
  // One set of keys per open object; strings are skipped whole, so braces inside them do not count.
  const objects: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const keys = objects.at(-1);
        if (keys?.has(key)) return true;
        keys?.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      objects.push(null);
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      expectKey = objects.at(-1) !== null && objects.length > 0;
    }
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a body is not one strict JSON object: not UTF-8 JSON, valid JSON but no object, or a repeated key. */
export type AntomJsonProblem = 'not_json' | 'not_object' | 'repeated_key';

/** Thrown by {@link parseAntomJsonObject}, naming the {@link AntomJsonProblem}. */
export class AntomJsonError extends TypeError {
  constructor(readonly problem: AntomJsonProblem) {
    super(`Antom JSON: ${problem}`);
    this.name = 'AntomJsonError';
  }
}

/**
 * The JSON object in `bytes`, read strictly: UTF-8 without a bad sequence, an object (not an array or a
 * scalar), and no object in it repeating a key. Throws {@link AntomJsonError} for anything else.
 */
export function parseAntomJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new AntomJsonError('not_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AntomJsonError('not_object');
  }
  if (hasDuplicateKeys(text)) throw new AntomJsonError('repeated_key');
  return value as Record<string, unknown>;
}
