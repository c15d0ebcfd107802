import { formatYuan } from './amounts';
import type { Buyer } from './config';
import { h, messagePage, page } from './html';
import { formatBeijing } from './time';
import type { Trade } from './trade-store';

/**
 * The cashier (收银台) and the other pages a buyer or seller sees, after the 2009 integration guide's
 * screens: 确认商品信息 (商户, 商品名称 + 订单号, 商品描述, 商品单价, 支付类型, 折扣, 物流信息, 产品数量,
 * 总价), then the buyer's account and password. Instant payment, escrow and the dual interface differ as
 * the guide shows. Every control has a stable id and data-testid for browser tests.
 */

const yuan = (fen: number): string => formatYuan(fen);

const LOGISTICS_TYPES: Record<string, string> = {
  POST: '平邮 Post',
  EXPRESS: '快递 Express',
  EMS: 'EMS',
  DIRECT: '无需物流 No shipping',
};

const LOGISTICS_PAYMENT: Record<string, string> = {
  SELLER_PAY: '卖家承担运费 Seller pays shipping',
  BUYER_PAY: '买家承担运费 Buyer pays shipping',
  BUYER_PAY_AFTER_RECEIVE: '买家收到货后支付运费 Buyer pays shipping on delivery',
};

/** What the cashier needs besides the trade. */
export interface CashierView {
  trade: Trade;
  merchantName: string;
  contactUrl?: string;
  buyer: Buyer;
  payAction: string;
  cancelAction: string;
  error?: string;
}

function interfaceBanner(trade: Trade): string {
  if (trade.kind === 'escrow') {
    return `<h2 data-testid="interface-title">支付宝交易（支付宝信用中介服务，安全） Alipay escrow (担保交易)</h2>
<p data-testid="escrow-explanation">您收到卖家的商品，对其满意后才向卖家支付货款。货款两安全。<br>
The seller is paid only after you receive the goods and confirm receipt — your money and the goods are both safe.</p>`;
  }
  if (trade.kind === 'dual') {
    return `<h2 data-testid="interface-title">请选择交易方式 Choose how to pay (标准双接口)</h2>
<fieldset data-testid="mode-choice"><legend>交易方式 Payment method</legend>
<label><input type="radio" name="mode" value="escrow" id="mode-escrow" data-testid="mode-escrow" form="pay-form" checked>
担保交易 Escrow — 您收到商品并确认收货后，卖家才收到货款。The seller is paid only after you confirm receipt.</label>
<label><input type="radio" name="mode" value="instant" id="mode-instant" data-testid="mode-instant" form="pay-form">
即时到账 Instant payment — 款项立即到达卖家账户。The money reaches the seller at once.</label>
</fieldset>`;
  }
  return `<h2 data-testid="interface-title">即时到账付款 Instant payment</h2>
<p class="note">付款后款项立即到达卖家账户。The money reaches the seller as soon as you pay.</p>`;
}

function logisticsRow(trade: Trade): string {
  if (trade.logistics.length === 0) return '';
  const options = trade.logistics
    .map(
      (o, i) =>
        `<label><input type="radio" name="logistics" value="${i}" id="logistics-${i}" data-testid="logistics-${i}" form="pay-form"${
          i === trade.logisticsChoice ? ' checked' : ''
        }> ${h(LOGISTICS_TYPES[o.type] ?? o.type)} ${h(yuan(o.feeFen))} 元 · ${h(LOGISTICS_PAYMENT[o.payment] ?? o.payment)}</label>`,
    )
    .join('\n');
  return `<tr><th>物流信息 Logistics:</th><td data-testid="logistics">${options}</td></tr>`;
}

/** The cashier page. */
export function renderCashier(view: CashierView): string {
  const { trade } = view;
  const physical = trade.kind === 'escrow' || trade.kind === 'dual';
  const contact =
    physical && view.contactUrl
      ? ` <a href="${h(view.contactUrl)}" id="contact-seller" data-testid="contact-seller" target="_blank">给我留言 Message the seller</a>`
      : '';
  const details = `<h2>确认商品信息 Confirm the order</h2>
<table class="details" data-testid="order-details">
<tr><th>商户 Merchant:</th><td><span data-testid="merchant">${h(view.merchantName)}</span> <span class="note" data-testid="seller-email">(${h(trade.sellerEmail)})</span>${contact}</td></tr>
<tr><th>商品名称 Product:</th><td><span data-testid="subject">${h(trade.subject)}</span>, 订单号是 Order no.: <span id="out-trade-no" data-testid="out-trade-no">${h(trade.outTradeNo)}</span>${
    trade.showUrl ? ` <a href="${h(trade.showUrl)}" data-testid="show-url">详情 Details</a>` : ''
  }</td></tr>
<tr><th>商品描述 Description:</th><td data-testid="body">${h(trade.body ?? '')}</td></tr>
<tr><th>商品单价 Unit price:</th><td><span data-testid="price">${h(yuan(trade.priceFen))}</span> 元 CNY</td></tr>
<tr><th>支付类型 Payment type:</th><td data-testid="payment-type">商品购买 Goods purchase</td></tr>
<tr><th>折扣 Discount:</th><td data-testid="discount">${h(yuan(trade.discountFen))}</td></tr>
${logisticsRow(trade)}
<tr><th>产品数量 Quantity:</th><td data-testid="quantity">${h(trade.quantity)}</td></tr>
<tr><th>总价 Total:</th><td><span class="amount" id="total" data-testid="total">${h(yuan(trade.totalFen))}</span> 元 CNY</td></tr>
</table>`;
  const error = view.error
    ? `<p class="error" id="error" data-testid="error" role="alert">${h(view.error)}</p>`
    : '';
  const form = `<form method="post" action="${h(view.payAction)}" id="pay-form" data-testid="pay-form">
<fieldset><legend>付款方式一：有支付宝账户，使用支付宝账户付款 Pay with your Alipay account</legend>
<label>账户名 Account: <input type="text" name="account" id="account" data-testid="account" value="${h(view.buyer.email)}" autocomplete="off"></label>
<label>登录密码 Login password: <input type="password" name="password" id="password" data-testid="password" value="${h(view.buyer.password)}" autocomplete="off"></label>
<p class="note">测试买家 Test buyer: ${h(view.buyer.email)} / ${h(view.buyer.password)} (已预填 pre-filled)</p>
</fieldset>
${error}
<button type="submit" class="primary" id="pay" data-testid="pay">确认付款 Pay ${h(yuan(trade.totalFen))} 元</button>
<button type="submit" id="cancel" data-testid="cancel" formaction="${h(view.cancelAction)}" formnovalidate>取消 Cancel</button>
</form>`;
  const body = `<div data-testid="cashier" data-interface="${h(trade.kind)}" data-trade-no="${h(trade.tradeNo)}" data-out-trade-no="${h(
    trade.outTradeNo,
  )}" data-status="${h(trade.status)}">
${interfaceBanner(trade)}
${details}
${form}
</div>`;
  return page('收银台 Cashier', body, 'cashier-page');
}

/** Shown instead of the cashier when the trade cannot be paid any more. */
export function renderNotPayable(trade: Trade): string {
  const closed = trade.status === 'TRADE_CLOSED';
  return messagePage(
    closed ? 'trade-closed' : 'already-paid',
    closed
      ? { zh: '交易已关闭', en: 'This trade is closed' }
      : { zh: '该交易已付款', en: 'This trade is already paid' },
    [
      `订单号 Order no.: <span data-testid="out-trade-no">${h(trade.outTradeNo)}</span> · 状态 Status: <code data-testid="status">${h(trade.status)}</code>`,
    ],
  );
}

/** The legacy gateway's error page: "错误代码 CODE 请回到请求来源地". */
export function renderLegacyError(code: string, detail?: string): string {
  const body = `<h1>支付宝 - 出错了 Alipay — something went wrong</h1>
<div data-testid="error-page" data-error-code="${h(code)}">
<p class="error" data-testid="error-message">错误代码 ${h(code)} 请回到请求来源地</p>
<p>Error code <code id="error-code" data-testid="error-code">${h(code)}</code> — please go back to where you came from.</p>
${detail ? `<p class="note" data-testid="error-detail">${h(detail)}</p>` : ''}
</div>`;
  return page(`错误 ${code}`, body, 'legacy-error');
}

/** The OpenAPI page-pay error page (code, sub_code, sub_msg, as Alipay shows them). */
export function renderOpenApiError(code: string, msg: string, subCode: string, subMsg: string): string {
  const body = `<h1>抱歉，支付宝无法完成该操作 Sorry, Alipay cannot complete this request</h1>
<div data-testid="error-page" data-error-code="${h(code)}" data-sub-code="${h(subCode)}">
<p class="error" data-testid="error-message">错误代码 ${h(subCode)} 错误原因: ${h(subMsg)}</p>
<p>code <code data-testid="error-code">${h(code)}</code> ${h(msg)} · sub_code <code id="error-code" data-testid="sub-code">${h(subCode)}</code></p>
</div>`;
  return page(`错误 ${subCode}`, body, 'openapi-error');
}

/** The buyer's view of one trade (`/buyer/trades/:tradeNo`), with the Confirm receipt button. */
export function renderBuyerTrade(trade: Trade, buyer: Buyer, confirmAction: string, error?: string): string {
  const canConfirm = trade.status === 'WAIT_BUYER_CONFIRM_GOODS';
  const shipment = trade.shipment
    ? `<tr><th>物流 Shipment:</th><td data-testid="shipment">${h(trade.shipment.logisticsName)} ${h(trade.shipment.invoiceNo ?? '')} ${h(
        trade.shipment.transportType ?? '',
      )}</td></tr>`
    : '';
  const confirm = canConfirm
    ? `<form method="post" action="${h(confirmAction)}" data-testid="confirm-form">
<p>收到货了吗？确认收货后，货款将付给卖家。Received the goods? After you confirm, the money is released to the seller.</p>
<label>支付密码 Password: <input type="password" name="password" id="password" data-testid="password" value="${h(buyer.password)}"></label>
${error ? `<p class="error" id="error" data-testid="error" role="alert">${h(error)}</p>` : ''}
<button type="submit" class="primary" id="confirm-receipt" data-testid="confirm-receipt">确认收货 Confirm receipt</button>
</form>`
    : '';
  const body = `<h1>我的交易 My trade</h1>
<div data-testid="buyer-trade" data-trade-no="${h(trade.tradeNo)}" data-status="${h(trade.status)}">
<table class="details">
<tr><th>交易号 Trade no.:</th><td data-testid="trade-no">${h(trade.tradeNo)}</td></tr>
<tr><th>订单号 Order no.:</th><td data-testid="out-trade-no">${h(trade.outTradeNo)}</td></tr>
<tr><th>商品名称 Product:</th><td data-testid="subject">${h(trade.subject)}</td></tr>
<tr><th>总价 Total:</th><td class="amount" data-testid="total">${h(yuan(trade.totalFen))} 元</td></tr>
<tr><th>状态 Status:</th><td><code id="status" data-testid="status">${h(trade.status)}</code></td></tr>
${shipment}
<tr><th>付款时间 Paid at:</th><td>${trade.gmtPayment ? h(formatBeijing(trade.gmtPayment)) : '-'}</td></tr>
</table>
${confirm}
</div>`;
  return page('我的交易 My trade', body, 'buyer-trade-page');
}

/** The buyer's trade list (`/buyer/trades`). */
export function renderBuyerTrades(trades: Trade[]): string {
  const rows = trades
    .map(
      t =>
        `<tr data-testid="buyer-trade-row"><td><a href="/buyer/trades/${h(t.tradeNo)}">${h(t.tradeNo)}</a></td><td>${h(
          t.outTradeNo,
        )}</td><td>${h(t.subject)}</td><td>${h(yuan(t.totalFen))}</td><td><code>${h(t.status)}</code></td></tr>`,
    )
    .join('\n');
  const body = `<h1>我的交易 My trades</h1>
<table class="details"><tr><th>交易号</th><th>订单号</th><th>商品</th><th>金额</th><th>状态</th></tr>${rows}</table>`;
  return page('我的交易 My trades', body, 'buyer-trades-page');
}

/** One item of a refund batch as shown to the seller. */
export interface RefundItemView {
  tradeNo: string;
  amount: string;
  reason: string;
}

/** The seller's confirmation page of refund_fastpay_by_platform_pwd. */
export function renderRefundConfirm(
  view: {
    batchNo: string;
    items: RefundItemView[];
    sellerEmail: string;
    password: string;
    action: string;
    cancel: string;
  },
  error?: string,
): string {
  const rows = view.items
    .map(
      i =>
        `<tr data-testid="refund-item"><td>${h(i.tradeNo)}</td><td class="amount">${h(i.amount)}</td><td>${h(i.reason)}</td></tr>`,
    )
    .join('\n');
  const body = `<h1>确认退款 Confirm refund</h1>
<p>批次号 Batch no.: <code data-testid="batch-no">${h(view.batchNo)}</code></p>
<table class="details" data-testid="refund-items"><tr><th>交易号 Trade no.</th><th>退款金额 Amount</th><th>退款理由 Reason</th></tr>${rows}</table>
<form method="post" action="${h(view.action)}" id="refund-form">
<label>卖家账户 Seller account: <input type="text" name="account" id="account" data-testid="account" value="${h(view.sellerEmail)}"></label>
<label>支付密码 Payment password: <input type="password" name="password" id="password" data-testid="password" value="${h(view.password)}"></label>
${error ? `<p class="error" id="error" data-testid="error" role="alert">${h(error)}</p>` : ''}
<button type="submit" class="primary" id="confirm-refund" data-testid="confirm-refund">确认退款 Refund</button>
<button type="submit" id="cancel" data-testid="cancel" formaction="${h(view.cancel)}">取消 Cancel</button>
</form>`;
  return page('确认退款 Confirm refund', body, 'refund-confirm-page');
}
