import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatCny, formatMajor, SANDBOX_FX_TO_CNY } from './antom-amounts';
import { AntomStateError, antomBuyerFinish } from './antom-payments';
import type { AntomPayment } from './antom-store';
import type { SandboxContext } from './context';
import { parseParams } from './form-codec';
import { h, messagePage, page } from './html';
import { readBody, redirect, sendHtml } from './http-util';

/**
 * The Antom cashier a `pay` answer's `normalUrl` opens (`/antom/cashier/<paymentId>`): the amount in the
 * shop's currency and, for Alipay (CN), the CNY amount the buyer pays at the sandbox's fixed rate. Paying
 * notifies and redirects to `paymentRedirectUrl`; "back to the shop" redirects there without paying (the
 * payment stays open, as on Antom). The form matches `submitCashier` of the testing entry.
 */

const PATH = /^\/antom\/cashier\/(\d+)(\/pay|\/cancel)?$/;

function cashierHtml(ctx: SandboxContext, payment: AntomPayment, error?: string): string {
  const client = ctx.antom.client(payment.clientId);
  const buyer = ctx.config.buyer;
  const shop = `${formatMajor(payment.amount.minor, payment.amount.currency)} ${payment.amount.currency}`;
  const cny =
    payment.cnyFen === undefined
      ? ''
      : `<tr><th>支付宝付款 You pay (Alipay CN):</th><td><span class="amount" id="cny-amount" data-testid="cny-amount">${h(
          formatCny(payment.cnyFen),
        )}</span> CNY <span class="note" data-testid="fx-rate">(1 ${h(payment.amount.currency)} = ${h(
          SANDBOX_FX_TO_CNY[payment.amount.currency] ?? '1',
        )} CNY, 沙箱固定汇率 fixed sandbox rate)</span></td></tr>`;
  const body = `<div data-testid="cashier" data-interface="antom" data-payment-id="${h(payment.paymentId)}" data-payment-request-id="${h(
    payment.paymentRequestId,
  )}" data-status="${h(payment.status)}">
<h2 data-testid="interface-title">Antom 跨境收银台 Antom cashier · <code data-testid="payment-method">${h(payment.paymentMethodType)}</code></h2>
<table class="details" data-testid="order-details">
<tr><th>商户 Merchant:</th><td data-testid="merchant">${h(client?.name ?? payment.clientId)}</td></tr>
<tr><th>订单 Order:</th><td><span data-testid="subject">${h(payment.orderDescription)}</span> · <span id="out-trade-no" data-testid="out-trade-no">${h(
    payment.paymentRequestId,
  )}</span></td></tr>
<tr><th>订单金额 Amount:</th><td><span class="amount" id="total" data-testid="total">${h(shop)}</span></td></tr>
${cny}
</table>
<form method="post" action="/antom/cashier/${h(payment.paymentId)}/pay" id="pay-form" data-testid="pay-form">
<fieldset><legend>使用支付宝账户付款 Pay with your Alipay account</legend>
<label>账户名 Account: <input type="text" name="account" id="account" data-testid="account" value="${h(buyer.email)}" autocomplete="off"></label>
<label>登录密码 Login password: <input type="password" name="password" id="password" data-testid="password" value="${h(buyer.password)}" autocomplete="off"></label>
<p class="note">测试买家 Test buyer: ${h(buyer.email)} / ${h(buyer.password)} (已预填 pre-filled)</p>
</fieldset>
${error ? `<p class="error" id="error" data-testid="error" role="alert">${h(error)}</p>` : ''}
<button type="submit" class="primary" id="pay" data-testid="pay">确认付款 Pay ${h(
    payment.cnyFen === undefined ? shop : `${formatCny(payment.cnyFen)} CNY`,
  )}</button>
<button type="submit" id="cancel" data-testid="cancel" formaction="/antom/cashier/${h(payment.paymentId)}/cancel" formnovalidate>返回商户 Back to the shop</button>
</form>
</div>`;
  return page('Antom 收银台 Cashier', body, 'cashier-page');
}

function notPayable(payment: AntomPayment): string {
  return messagePage(
    payment.status === 'SUCCESS' ? 'already-paid' : 'trade-closed',
    payment.status === 'SUCCESS'
      ? { zh: '该订单已付款', en: 'This payment is already paid' }
      : { zh: '该订单不能付款', en: 'This payment cannot be paid' },
    [
      `订单 Order: <span data-testid="out-trade-no">${h(payment.paymentRequestId)}</span> · 状态 Status: <code data-testid="status">${h(payment.status)}</code>`,
    ],
  );
}

/** Handles the Antom cashier pages; false when the path is not one of them. */
export async function handleAntomCashier(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const m = PATH.exec(path);
  if (!m) return false;
  const method = req.method ?? 'GET';
  const payment = ctx.antom.store.payments.get(m[1]!);
  if (!payment) {
    sendHtml(res, 404, messagePage('not-found', { zh: '页面不存在', en: 'Not found' }, []));
    return true;
  }
  if (m[2] === undefined && method === 'GET') {
    const open = payment.status === 'PROCESSING' || payment.status === 'PENDING';
    sendHtml(res, 200, open ? cashierHtml(ctx, payment) : notPayable(payment));
    return true;
  }
  if (method !== 'POST' || m[2] === undefined) return false;
  if (m[2] === '/cancel') {
    redirect(res, payment.paymentRedirectUrl ?? '/', 'POST');
    return true;
  }
  const form = parseParams(await readBody(req), 'utf-8');
  const buyer = ctx.config.buyer;
  if (form['account'] !== buyer.email || form['password'] !== buyer.password) {
    sendHtml(res, 200, cashierHtml(ctx, payment, '账户名或登录密码不正确 Wrong account or login password'));
    return true;
  }
  try {
    const outcome = antomBuyerFinish(ctx, payment, 'SUCCESS');
    // The buyer's browser moves on at once; the notification is the server's business.
    void outcome.notified;
    redirect(res, outcome.redirect ?? '/', 'POST');
  } catch (error) {
    if (!(error instanceof AntomStateError)) throw error;
    sendHtml(res, 200, notPayable(payment));
  }
  return true;
}
