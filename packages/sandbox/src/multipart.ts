/**
 * A small, strict `multipart/form-data` reader for the legacy gateway. Alipay's PHP demo posts a PHP array
 * with curl (`CURLOPT_POSTFIELDS` = array), which curl sends as multipart, with `_input_charset` in the URL;
 * Alipay accepts it like a urlencoded form. Only text fields are read: one `Content-Disposition: form-data;
 * name="…"` part per parameter, its value the raw bytes in the request charset (no percent-encoding).
 * Anything else (file parts, repeated names, unknown part headers, a missing close delimiter, too many
 * parts) is refused, so a malformed request never turns into parameters by guesswork.
 */

/** Why a multipart body was refused. */
export class MultipartError extends Error {}

/** Most parts one request may have (the largest legacy call has about 20 parameters). */
export const MAX_MULTIPART_PARTS = 200;

/** True when the Content-Type header names multipart/form-data. */
export function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '');
}

/** The boundary parameter of a multipart Content-Type (RFC 2046: 1–70 characters). */
function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([0-9A-Za-z'()+_,\-./:=?]{1,70}))\s*(?:;|$)/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new MultipartError('multipart/form-data without a valid boundary');
  return boundary;
}

function indexOf(haystack: Buffer, needle: Buffer, from: number): number {
  return haystack.indexOf(needle, from);
}

/** Reads the field name from a part's headers; refuses file parts and unknown headers. */
function fieldName(headerBlock: string): string {
  let name: string | undefined;
  for (const line of headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`malformed part header ${JSON.stringify(line)}`);
    const header = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (header === 'content-disposition') {
      if (name !== undefined) throw new MultipartError('a part with two Content-Disposition headers');
      const m = /^form-data\s*;\s*name="([^"\\\r\n]*)"\s*(.*)$/i.exec(value);
      if (!m) throw new MultipartError(`unexpected Content-Disposition ${JSON.stringify(value)}`);
      if (m[2] !== '') throw new MultipartError('file parts and extra disposition parameters are refused');
      name = m[1]!;
    } else if (header === 'content-type') {
      // curl sends none for fields; a plain-text type is harmless, anything else is a file in disguise.
      if (!/^text\/plain\s*(;|$)/i.test(value))
        throw new MultipartError(`unexpected part Content-Type ${JSON.stringify(value)}`);
    } else {
      throw new MultipartError(`unexpected part header ${JSON.stringify(header)}`);
    }
  }
  if (name === undefined || name === '') throw new MultipartError('a part without a field name');
  return name;
}

/**
 * Splits a multipart/form-data body into `[name, raw value bytes]`, in order. Names are read as Latin-1
 * (parameter names are ASCII); values stay bytes, decoded by the caller in the request charset.
 */
export function parseMultipart(body: Buffer, contentType: string): Array<[string, Buffer]> {
  const boundary = boundaryOf(contentType);
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // No preamble: the body starts with the first delimiter, as every client we know writes it.
  if (!body.subarray(0, delimiter.length).equals(delimiter))
    throw new MultipartError('multipart body does not start with its boundary');
  const fields: Array<[string, Buffer]> = [];
  const seen = new Set<string>();
  let at = delimiter.length;
  for (;;) {
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') {
      // Close delimiter: only an optional CRLF may follow.
      const rest = body.subarray(at + 2).toString('latin1');
      if (rest !== '' && rest !== '\r\n') throw new MultipartError('data after the close delimiter');
      return fields;
    }
    if (after !== '\r\n') throw new MultipartError('malformed boundary line');
    at += 2;
    const headersEnd = indexOf(body, Buffer.from('\r\n\r\n', 'latin1'), at);
    if (headersEnd < 0) throw new MultipartError('a part without the blank line after its headers');
    const name = fieldName(body.subarray(at, headersEnd).toString('latin1'));
    const valueStart = headersEnd + 4;
    const valueEnd = indexOf(body, nextDelimiter, valueStart);
    if (valueEnd < 0) throw new MultipartError('multipart body without its close delimiter');
    if (seen.has(name)) throw new MultipartError(`parameter ${name} appears twice`);
    seen.add(name);
    fields.push([name, Buffer.from(body.subarray(valueStart, valueEnd))]);
    if (fields.length > MAX_MULTIPART_PARTS)
      throw new MultipartError(`more than ${MAX_MULTIPART_PARTS} parts`);
    at = valueEnd + nextDelimiter.length;
  }
}
