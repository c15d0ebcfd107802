/** Shared HTML pieces: escaping and the page frame (bilingual, no scripts, stable ids for browser tests). */

/** Escapes text for HTML element content and attribute values. */
export function h(text: string | number | undefined): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:"Helvetica Neue",Arial,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f7fa;color:#333}
header{background:#1677ff;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:center}
header .logo{font-weight:bold;font-size:20px}
.badge{background:#ffb400;color:#333;border-radius:3px;padding:2px 8px;font-size:12px}
main{max-width:860px;margin:24px auto;background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:24px 32px}
h1,h2{font-weight:normal}h2{font-size:18px;color:#1677ff}
table.details{border-collapse:collapse;width:100%;margin:12px 0}
table.details th{text-align:right;width:11em;padding:6px 12px;color:#666;font-weight:normal;vertical-align:top}
table.details td{padding:6px 12px}
.amount{color:#f60;font-weight:bold}
.note{color:#666;font-size:13px}
.error{color:#c00}
fieldset{border:1px solid #dde3ea;border-radius:4px;margin:16px 0;padding:12px 16px}
label{display:block;margin:6px 0}
input[type=text],input[type=password]{padding:6px;width:18em}
button{padding:8px 20px;margin-right:12px;font-size:15px;cursor:pointer}
button.primary{background:#1677ff;color:#fff;border:none;border-radius:4px}
footer{text-align:center;color:#999;font-size:12px;margin:24px}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px}
`;

/** The page frame every sandbox page uses. */
export function page(title: string, body: string, testid: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} | 支付宝 Alipay (sandbox)</title>
<style>${STYLE}</style>
</head>
<body data-testid="${h(testid)}">
<header><span class="logo">支付宝 Alipay</span><span>网上支付 安全快速！ Pay online, safe and fast</span>
<span class="badge" data-testid="sandbox-badge">沙箱环境 · Sandbox — no real money 无真实资金</span></header>
<main>
${body}
</main>
<footer>支付宝版权所有 2004-2009 ALIPAY.COM · offline emulator for tests 离线测试模拟器</footer>
</body>
</html>
`;
}

/** A simple message page with optional links. */
export function messagePage(
  testid: string,
  title: { zh: string; en: string },
  lines: string[],
  links: Array<{ href: string; text: string; id?: string }> = [],
): string {
  const body = `<h1 data-testid="message-title">${h(title.zh)} / ${h(title.en)}</h1>
${lines.map(line => `<p>${line}</p>`).join('\n')}
${links.map(l => `<p><a href="${h(l.href)}"${l.id ? ` id="${h(l.id)}" data-testid="${h(l.id)}"` : ''}>${h(l.text)}</a></p>`).join('\n')}`;
  return page(`${title.zh} ${title.en}`, body, testid);
}
