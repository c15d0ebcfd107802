import { encodeText } from '../charset';
import type { LegacyConfig } from '../config/legacy';
import { AlipayError, NotificationFieldError } from '../errors';
import { type RefundEvent, type RefundItem, type TradeEvent, toTradeStatus } from '../events';
import { yuanToFen } from '../money';
import { accept, type NotificationResult, reject } from '../rejections';
import { buildSignString } from '../sign/canonical';
import { md5Verify } from '../sign/md5';
import { rsaVerify } from '../sign/rsa';
import { compact, fieldAmountFen, optionalField, requiredField, tradeEventHead } from '../trade-fields';
import type { LegacyClient, SellerAccount } from './client';

function amount(fields: Readonly<Record<string, string>>, name: string, allowZero = false): number {
  return fieldAmountFen(requiredField(fields, name), name, allowZero);
}

/**
 * Maps legacy trade fields (a `trade_status_sync` notification, a return, or a `single_trade_query`
 * `<trade>`) to the normalized {@link TradeEvent}. Throws {@link NotificationFieldError} for missing or
 * invalid fields and unknown statuses.
 */
export function legacyFieldsToTradeEvent(
  fields: Record<string, string>,
  source: 'notify' | 'return' | 'query',
): TradeEvent {
  const alipayStatus = requiredField(fields, 'trade_status');
  const status = toTradeStatus(alipayStatus);
  if (!status) throw new NotificationFieldError('trade_status', `unknown trade_status ${alipayStatus}`);
  return {
    ...tradeEventHead(fields, 'legacy', source, {
      status,
      alipayStatus,
      paidAt: 'gmt_payment',
      shippedAt: 'gmt_send_goods',
    }),
    amountFen: amount(fields, 'total_fee'),
    refundedFen: refundedFenOf(fields, source),
    refundRequestNo: undefined,
    buyer: compact({ id: optionalField(fields, 'buyer_id'), account: optionalField(fields, 'buyer_email') }),
    appId: undefined,
    passback: optionalField(fields, 'extra_common_param'),
  };
}

/**
 * The trade's refunded total: `refund_fee` when Alipay sends it, else, in a `single_trade_query` answer,
 * `to_buyer_fee` (what went back to the buyer), which is the only place legacy Alipay states the total.
 */
function refundedFenOf(
  fields: Record<string, string>,
  source: 'notify' | 'return' | 'query',
): number | undefined {
  if (fields['refund_fee']) return amount(fields, 'refund_fee', true);
  if (source === 'query' && fields['to_buyer_fee']) return amount(fields, 'to_buyer_fee', true);
  return undefined;
}

/**
 * Maps a `batch_refund_notify` to a {@link RefundEvent}. `result_details` items are
 * `tradeNo^amount^RESULT[$account^userId^fee^RESULT]`, joined by `#`.
 */
export function legacyFieldsToRefundEvent(fields: Record<string, string>): RefundEvent {
  const details = requiredField(fields, 'result_details');
  const items: RefundItem[] = details.split('#').map(entry => {
    const [refundPart = ''] = entry.split('$');
    const [tradeNo, yuan, result] = refundPart.split('^');
    if (!tradeNo || !yuan || !result) {
      throw new NotificationFieldError('result_details', 'result_details item is not tradeNo^amount^result');
    }
    let amountFen: number;
    try {
      amountFen = yuanToFen(yuan, { allowZero: true });
    } catch {
      throw new NotificationFieldError('result_details', 'result_details holds an invalid amount');
    }
    return { tradeNo, amountFen, result, success: result.toUpperCase() === 'SUCCESS' };
  });
  const successCount = Number(requiredField(fields, 'success_num'));
  if (!Number.isInteger(successCount) || successCount < 0) {
    throw new NotificationFieldError('success_num', 'success_num is not a count');
  }
  return {
    type: 'refund',
    generation: 'legacy',
    source: 'notify',
    displayOnly: false,
    notifyId: optionalField(fields, 'notify_id'),
    notifyTime: optionalField(fields, 'notify_time'),
    raw: Object.freeze({ ...fields }),
    batchNo: requiredField(fields, 'batch_no'),
    tradeNo: items[0]!.tradeNo,
    amountFen: items.filter(i => i.success).reduce((sum, i) => sum + i.amountFen, 0),
    successCount,
    items,
  };
}

/** True when the legacy signature (MD5 with the key, or RSA with Alipay's legacy public key) holds. */
export function verifyLegacySignature(params: Record<string, string>, config: LegacyConfig): boolean {
  const signType = (params['sign_type'] ?? config.signType).toUpperCase();
  if (signType !== config.signType) return false; // never let the sender pick a weaker scheme
  if (signType === 'MD5') return md5Verify(params, config.key!, { charset: config.charset });
  const sign = params['sign'];
  if (!sign) return false;
  return rsaVerify(encodeText(buildSignString(params), config.charset), sign, config.alipayPublicKey!, 'RSA');
}

/** Options of {@link verifyLegacyNotification}. */
export interface LegacyNotificationOptions {
  /** The client used for `notify_verify` (it holds the gateway and HTTP options). */
  client: LegacyClient;
  /** C2C: the seller this order was paid to, when it is not the configured seller. */
  expectedSeller?: SellerAccount;
}

function sellerMatches(event: { seller: { id?: string; email?: string } }, expected: SellerAccount): boolean {
  if (expected.id && event.seller.id) return expected.id === event.seller.id;
  if (expected.email && event.seller.email)
    return expected.email.toLowerCase() === event.seller.email.toLowerCase();
  return false;
}

function expectedSellerOf(config: LegacyConfig, override: SellerAccount | undefined): SellerAccount {
  if (override && (override.email || override.id)) return override;
  const seller: SellerAccount = {};
  if (config.sellerEmail) seller.email = config.sellerEmail;
  if (config.sellerId) seller.id = config.sellerId;
  return seller;
}

/**
 * Verifies a legacy `notify_url` POST, in the order the 2009 demo does and more: the signature (MD5 or
 * RSA), then `notify_verify` with Alipay (the notify_id must be genuine and belong to this partner), then
 * the seller. Returns one normalized event (trade status or batch refund) or a typed rejection; never
 * throws for bad input.
 */
export async function verifyLegacyNotification(
  params: Record<string, string>,
  config: LegacyConfig,
  options: LegacyNotificationOptions,
): Promise<NotificationResult> {
  const ids = { outTradeNo: params['out_trade_no'], tradeNo: params['trade_no'] };
  if (!params['sign']) return reject('bad_signature', 'the notification carries no sign', ids);
  if (!verifyLegacySignature(params, config)) {
    return reject(
      'bad_signature',
      `the ${params['sign_type'] ?? 'MD5'} signature does not verify with the configured key`,
      ids,
    );
  }
  const currency = params['currency'];
  if (currency !== undefined && currency.toUpperCase() !== 'CNY') {
    return reject('wrong_currency', `notification in ${currency}; only CNY trades are handled`, ids);
  }
  const notifyType = params['notify_type'] ?? 'trade_status_sync';
  if (notifyType !== 'trade_status_sync' && notifyType !== 'batch_refund_notify') {
    return reject('unsupported_notification', `notify_type ${notifyType} is not handled`, ids);
  }
  const notifyId = params['notify_id'];
  if (!notifyId) return reject('missing_field', 'missing field notify_id (needed for notify_verify)', ids);
  try {
    if (!(await options.client.notifyVerify(notifyId))) {
      return reject(
        'notify_id_invalid',
        'notify_verify did not answer true for this notify_id and partner',
        ids,
      );
    }
  } catch (error) {
    const detail = error instanceof AlipayError ? error.message : 'unexpected error';
    return reject('notify_verify_unavailable', `notify_verify failed: ${detail}`, ids);
  }
  try {
    if (notifyType === 'batch_refund_notify') return accept(legacyFieldsToRefundEvent(params));
    const event = legacyFieldsToTradeEvent(params, 'notify');
    const seller = expectedSellerOf(config, options.expectedSeller);
    if (!sellerMatches(event, seller)) {
      return reject(
        'wrong_seller',
        'the notification is for another seller account than the one configured',
        ids,
      );
    }
    return accept(event);
  } catch (error) {
    if (error instanceof NotificationFieldError) {
      const reason = error.field === 'trade_status' ? 'unknown_status' : 'missing_field';
      return reject(reason, error.message, ids);
    }
    throw error;
  }
}

/**
 * Verifies a legacy `return_url` GET: signature only (no `notify_verify`: its notify_id expires within a
 * minute and the return never changes state). The event is marked `displayOnly`.
 */
export function verifyLegacyReturn(
  params: Record<string, string>,
  config: LegacyConfig,
): NotificationResult<TradeEvent> {
  const ids = { outTradeNo: params['out_trade_no'], tradeNo: params['trade_no'] };
  if (!params['sign'] || !verifyLegacySignature(params, config)) {
    return reject('bad_signature', 'the return parameters are not signed with the configured key', ids);
  }
  if (params['is_success'] !== undefined && params['is_success'] !== 'T') {
    return reject('missing_field', 'is_success is not T', ids);
  }
  try {
    return accept(legacyFieldsToTradeEvent(params, 'return'));
  } catch (error) {
    if (error instanceof NotificationFieldError) return reject('missing_field', error.message, ids);
    throw error;
  }
}
