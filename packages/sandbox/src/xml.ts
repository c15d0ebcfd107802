/** Minimal XML writing for the legacy gateway's answers (`<alipay><is_success>…</alipay>`). */

/** Escapes text for an XML element or attribute. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<?xml …?>` declaration naming the charset the bytes are written in. */
export function xmlDeclaration(charset: string): string {
  return `<?xml version="1.0" encoding="${charset === 'utf-8' ? 'utf-8' : 'GBK'}"?>\n`;
}

/** `<alipay><is_success>F</is_success><error>CODE</error></alipay>`: the gateway's generic error answer. */
export function xmlError(code: string, charset: string): string {
  return `${xmlDeclaration(charset)}<alipay><is_success>F</is_success><error>${xmlEscape(code)}</error></alipay>`;
}

/** `<alipay>\n  <is_success>T</is_success>\n</alipay>` (send_goods_confirm_by_platform, close_trade). */
export function xmlSuccess(charset: string): string {
  return `${xmlDeclaration(charset)}<alipay>\n  <is_success>T</is_success>\n</alipay>`;
}

/** `<name>value</name>` lines for a flat map, in key order. */
export function xmlFields(fields: Record<string, string>, indent: string): string {
  return Object.keys(fields)
    .sort()
    .map(k => `${indent}<${k}>${xmlEscape(fields[k]!)}</${k}>`)
    .join('\n');
}
