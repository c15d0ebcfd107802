// @ts-check
/** Server-rendered pages of the storefront: plain HTML, no client framework, bilingual labels. */

/** @param {string} text */
export const escapeHtml = text =>
  String(text).replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** @param {number} fen */
export const yuan = fen => `¥${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** Symbols of the currencies the demo sells in; others are shown by their code. */
const SYMBOLS = /** @type {Record<string, string>} */ ({ CNY: '¥', USD: 'US$' });

/**
 * An amount in minor units of `currency` (two decimals: the demo's CNY and USD), e.g. `¥39.90`, `US$5.99`.
 * @param {number} minor @param {string} [currency]
 */
export const money = (minor, currency = 'CNY') => {
  const code = currency.toUpperCase();
  if (code === 'CNY') return yuan(minor);
  const amount = `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
  return SYMBOLS[code] ? `${SYMBOLS[code]}${amount}` : `${code} ${amount}`;
};

const STYLE = `
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:56rem;margin:0 auto;padding:1rem;color:#1f2937}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:2px solid #1677ff;margin-bottom:1rem}
header a{color:#1677ff;text-decoration:none;font-weight:600}
.products{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}
.card{border:1px solid #e5e7eb;border-radius:.5rem;padding:1rem}
.price{font-size:1.25rem;color:#ff4d4f;font-weight:700}
button,.button{background:#1677ff;color:#fff;border:0;border-radius:.375rem;padding:.6rem 1rem;font-size:1rem;cursor:pointer}
table{width:100%;border-collapse:collapse}td,th{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left}
label{display:block;margin:.4rem 0}input{width:100%;padding:.4rem;box-sizing:border-box}
fieldset{border:1px solid #e5e7eb;border-radius:.5rem}label.method input{width:auto}label.method span{display:block;margin-left:1.6rem}
.status{font-size:1.5rem;font-weight:700}.paid{color:#16a34a}.pending{color:#d97706}.error{color:#dc2626}
.muted{color:#6b7280;font-size:.9rem}
`;

/**
 * @param {{ title: string, body: string, shopName: string, refreshSeconds?: number,
 *   currencies?: readonly string[], currency?: string }} page
 */
export function layout(page) {
  const currencies =
    page.currencies && page.currencies.length > 1
      ? page.currencies
          .map(code =>
            code === page.currency
              ? `<strong data-testid="currency-current">${escapeHtml(code)}</strong>`
              : `<a href="/currency/${encodeURIComponent(code)}" data-testid="currency-${escapeHtml(code)}">${escapeHtml(code)}</a>`,
          )
          .join(' · ')
      : '';
  const refresh = page.refreshSeconds ? `<meta http-equiv="refresh" content="${page.refreshSeconds}">` : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}
<title>${escapeHtml(page.title)} · 演示商店 Demo shop</title><style>${STYLE}</style></head><body>
<header><h1><a href="/">演示商店 Demo shop</a></h1><nav>${currencies ? `<span class="muted">币种 Currency: ${currencies}</span> · ` : ''}<a href="/cart" data-testid="cart-link">购物车 Cart</a></nav></header>
${page.body}
<p class="muted">Backend: ${escapeHtml(page.shopName)} · Payments by Alipay sandbox (offline) · 支付由离线支付宝沙箱处理</p>
</body></html>`;
}

/** @param {import('./shop-client.mjs').Product[]} products @param {string} [currency] */
export function productList(products, currency) {
  const cards = products
    .map(
      p => `<div class="card" data-testid="product-${escapeHtml(p.id)}"><h2>${escapeHtml(p.name)}</h2>
<p>${escapeHtml(p.description)}</p><p class="price">${money(p.priceFen, currency)}</p>
<p class="muted">${p.goods === 'virtual' ? '虚拟商品 Virtual goods' : '实物商品 Physical goods'}</p>
<form method="post" action="/cart/add"><input type="hidden" name="variantId" value="${escapeHtml(p.variantId)}">
<button data-testid="add-${escapeHtml(p.id)}">加入购物车 Add to cart</button></form></div>`,
    )
    .join('');
  return `<div class="products">${cards || '<p>No products yet / 暂无商品</p>'}</div>`;
}

/**
 * @param {import('./shop-client.mjs').Cart | null} cart @param {import('./shop-client.mjs').Customer} customer
 * @param {import('./shop-client.mjs').PaymentMethodOption[]} paymentMethods
 */
export function cartPage(cart, customer, paymentMethods) {
  if (!cart || cart.lines.length === 0)
    return '<p data-testid="cart-empty">购物车是空的 Your cart is empty.</p>';
  const price = (/** @type {number} */ minor) => money(minor, cart.currency);
  const rows = cart.lines
    .map(l => `<tr><td>${escapeHtml(l.name)}</td><td>× ${l.quantity}</td><td>${price(l.totalFen)}</td></tr>`)
    .join('');
  const field = (
    /** @type {keyof import('./shop-client.mjs').Customer} */ name,
    /** @type {string} */ label,
  ) => `<label>${label}<input name="${name}" value="${escapeHtml(customer[name])}" required></label>`;
  return `<h2>购物车 Cart</h2><table>${rows}
<tr><td colspan="2">小计 Subtotal</td><td>${price(cart.subtotalFen)}</td></tr>
<tr><td colspan="2">运费 Shipping</td><td>${cart.shippingFen ? price(cart.shippingFen) : '结账时确定 Set at checkout'}</td></tr>
<tr><th colspan="2">总价 Total</th><th data-testid="cart-total">${price(cart.totalFen)}</th></tr></table>
<h2>收货信息 Delivery</h2><form method="post" action="/checkout">
${field('fullName', '姓名 Name')}${field('email', '邮箱 E-mail')}${field('phone', '手机 Mobile')}
${field('province', '省份 Province')}${field('city', '城市 City')}${field('streetLine', '地址 Address')}${field('postalCode', '邮编 Postal code')}
${paymentMethodChoice(paymentMethods)}
<p><button data-testid="pay-with-alipay">支付宝付款 Pay with Alipay</button></p></form>`;
}

/** Radio buttons for the shop's Alipay payment methods; none when there is only one. */
function paymentMethodChoice(/** @type {import('./shop-client.mjs').PaymentMethodOption[]} */ methods) {
  if (methods.length === 0) return '';
  if (methods.length === 1) {
    return `<input type="hidden" name="paymentMethod" value="${escapeHtml(methods[0]?.code ?? '')}">`;
  }
  const options = methods
    .map(
      (
        m,
        index,
      ) => `<label class="method"><input type="radio" name="paymentMethod" value="${escapeHtml(m.code)}"
 data-testid="payment-method-${escapeHtml(m.code)}"${index === 0 ? ' checked' : ''}> <strong>${escapeHtml(m.name)}</strong>
<span class="muted">${escapeHtml(m.description)}</span></label>`,
    )
    .join('');
  return `<h2>付款方式 Payment method</h2><fieldset data-testid="payment-methods">${options}</fieldset>`;
}

/** @param {{ orderCode: string, qrSvg: string, qrCode: string, expiresAt: string }} qr */
export function qrPage(qr) {
  return `<h2>扫码支付 Scan to pay</h2><p>请使用支付宝扫描二维码完成付款。Scan the code with the Alipay app.</p>
<div data-testid="qr-image" style="width:16rem">${qr.qrSvg}</div>
<p class="muted">二维码内容 QR content: <a href="${escapeHtml(qr.qrCode)}" data-testid="qr-link">${escapeHtml(qr.qrCode)}</a><br>
有效期至 Valid until ${escapeHtml(qr.expiresAt)}</p>
<p><a class="button" href="/order/${encodeURIComponent(qr.orderCode)}" data-testid="order-link">我已付款 I have paid</a></p>`;
}

/** @param {import('./shop-client.mjs').OrderView} order */
export function orderPage(order) {
  const status = !order.paid
    ? `<span class="status pending" data-testid="order-status">等待付款 Waiting for payment</span>`
    : order.settled
      ? `<span class="status paid" data-testid="order-status">已支付 Paid</span>`
      : `<span class="status paid" data-testid="order-status">已付款（担保中）Paid, held in escrow</span>`;
  const price = (/** @type {number} */ minor) => money(minor, order.currency);
  const rows = order.lines
    .map(l => `<tr><td>${escapeHtml(l.name)}</td><td>× ${l.quantity}</td><td>${price(l.totalFen)}</td></tr>`)
    .join('');
  const payments = order.payments
    .map(
      p =>
        `<li>${escapeHtml(p.state)} — ${price(p.amountFen)}${p.method ? ` · ${escapeHtml(p.method)}` : ''}${p.tradeNo ? ` (支付宝交易号 Alipay trade <span data-testid="trade-no">${escapeHtml(p.tradeNo)}</span>)` : ''}</li>`,
    )
    .join('');
  return `<h2>订单 Order <span data-testid="order-code">${escapeHtml(order.code)}</span></h2>${status}
<p class="muted">Shop state: <span data-testid="order-state">${escapeHtml(order.state)}</span>${order.paid && !order.settled ? ' · 担保交易：确认收货后卖家收款 Escrow: the seller is paid after you confirm receipt' : ''}</p>
<table>${rows}<tr><td colspan="2">运费 Shipping</td><td>${price(order.shippingFen)}</td></tr>
<tr><th colspan="2">总价 Total</th><th data-testid="order-total">${price(order.totalFen)}</th></tr></table>
${payments ? `<h3>付款 Payments</h3><ul data-testid="payments">${payments}</ul>` : ''}
${order.paid ? '' : '<p class="muted">本页每 2 秒刷新。This page refreshes every 2 seconds.</p>'}`;
}
