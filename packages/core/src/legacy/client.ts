import { createHash } from 'node:crypto';
import { decodeText, encodeText, normalizeCharset } from '../charset';
import type { LegacyConfig, LegacyInterfaceType } from '../config/legacy';
import { LEGACY_CREATE_SERVICE } from '../config/legacy';
import { AlipayResponseError, MoneyError } from '../errors';
import type { TradeEvent } from '../events';
import { autoSubmitForm, encodeQuery } from '../http/encoding';
import { type HttpOptions, httpRequest } from '../http/fetch';
import { type LegacyXmlAnswer, parseLegacyXml, xmlDeclaredEncoding } from '../http/xml';
import { fenToYuan } from '../money';
import { buildSignString } from '../sign/canonical';
import { md5Sign, md5Verify } from '../sign/md5';
import { rsaSign, rsaVerify } from '../sign/rsa';
import { beijingDate, formatBeijingTime } from '../time';
import { legacyGatewayError } from './errors';
import { legacyFieldsToTradeEvent } from './notify';

/** Legacy logistics types (`logistics_type`). `DIRECT` means no logistics (virtual goods). */
export type LogisticsType = 'EXPRESS' | 'POST' | 'EMS' | 'DIRECT';
/** Who pays the logistics fee (`logistics_payment`). */
export type LogisticsPayment = 'SELLER_PAY' | 'BUYER_PAY' | 'BUYER_PAY_AFTER_RECEIVE';

/** A seller account for one payment (C2C: each shop owner's account). */
export interface SellerAccount {
  email?: string;
  id?: string;
}

/** What the legacy create interfaces need to know about one payment. */
export interface LegacyPaymentInput {
  /** The merchant's order number (≤ 64 characters, unique). */
  outTradeNo: string;
  /** Goods name shown on the cashier (商品名称, ≤ 256 bytes). */
  subject: string;
  /** Total to pay in fen, shipping included. */
  amountFen: number;
  /** Escrow/dual: the logistics fee in fen, part of `amountFen`. Default 0. */
  shippingFeeFen?: number;
  /** Physical goods get logistics (EXPRESS); virtual goods `DIRECT`. Default physical. */
  goods?: 'physical' | 'virtual';
  /** Description (商品描述). */
  body?: string;
  /** Product page link (商品展示网址). */
  showUrl?: string;
  /** Absolute URL Alipay POSTs notifications to (no query string of its own). */
  notifyUrl?: string;
  /** Absolute URL the buyer's browser returns to (no query string of its own). */
  returnUrl?: string;
  /** C2C: the seller to pay; default the configured seller. */
  seller?: SellerAccount;
  /** Unpaid trades close after this many minutes (`it_b_pay`, 1m–15d). */
  timeoutMinutes?: number;
  /** Echoed back in notifications (`extra_common_param`); no `=` or `&`. */
  passback?: string;
  /** The buyer's IP (`exter_invoke_ip`). */
  buyerIp?: string;
  /** Escrow/dual logistics override. */
  logistics?: { type?: LogisticsType; payment?: LogisticsPayment };
  /** Escrow/dual receiver details (收货人), shown on the cashier. */
  receiver?: { name?: string; address?: string; zip?: string; phone?: string; mobile?: string };
}

/** A signed request the buyer's browser carries to the gateway: as a GET URL and as a POST form. */
export interface SignedBrowserRequest {
  /** The service or method called, e.g. `create_direct_pay_by_user`. */
  service: string;
  /** Every parameter sent, signed (no secret in it). */
  params: Record<string, string>;
  /** The signed GET URL (percent-encoded in the request charset). */
  url: string;
  /** An auto-submitting HTML form that POSTs the same parameters. */
  html: string;
}

/** One trade to refund in a legacy batch. */
export interface LegacyRefundItem {
  tradeNo: string;
  amountFen: number;
  /** ≤ 256 bytes, without `^ | $ #`. */
  reason?: string;
}

/** Options of {@link LegacyClient}. */
export interface LegacyClientOptions {
  config: LegacyConfig;
  http?: HttpOptions;
  /** Clock, for refund dates (tests). Default `() => new Date()`. */
  now?: () => Date;
}

/** `it_b_pay` from minutes: whole minutes, hours or days, as Alipay wants no decimals (1m–15d). */
function itBPay(minutes: number): string {
  const m = Math.max(1, Math.min(15 * 24 * 60, Math.round(minutes)));
  if (m % (24 * 60) === 0) return `${m / (24 * 60)}d`;
  if (m % 60 === 0) return `${m / 60}h`;
  return `${m}m`;
}

/**
 * A stable `batch_no` for a legacy refund: the Beijing date (which Alipay requires to be today) plus a
 * 24-digit serial derived from the caller's refund ID. Store it with the refund and reuse it on retries,
 * so Alipay answers `DUPLICATE_BATCH_NO` instead of refunding twice.
 */
export function legacyBatchNoFor(refundId: string, date: Date = new Date()): string {
  const digest = createHash('sha256').update(refundId, 'utf8').digest('hex');
  const serial = BigInt(`0x${digest}`).toString(10).slice(0, 24);
  return `${beijingDate(date)}${serial}`;
}

/**
 * The legacy partner + key gateway (mapi): one readable method per service. Browser interfaces return
 * signed URLs/forms without a server call; server calls return typed results or throw typed errors
 * (`InterfaceNotContractedError` for HAS_NO_PRIVILEGE, `AlipayGatewayError`, `AlipayNetworkError`).
 */
export class LegacyClient {
  readonly config: LegacyConfig;
  private readonly http: HttpOptions;
  private readonly now: () => Date;

  constructor(options: LegacyClientOptions) {
    this.config = options.config;
    this.http = options.http ?? {};
    this.now = options.now ?? (() => new Date());
  }

  /** Adds `sign` and `sign_type` (MD5 over the charset's bytes, or legacy RSA) to a parameter set. */
  sign(params: Record<string, string>): Record<string, string> {
    const { charset, signType } = this.config;
    const sign =
      signType === 'MD5'
        ? md5Sign(params, this.config.key!, { charset })
        : rsaSign(encodeText(buildSignString(params), charset), this.config.merchantPrivateKey!, 'RSA');
    return { ...params, sign, sign_type: signType };
  }

  private browserRequest(params: Record<string, string>): SignedBrowserRequest {
    const signed = this.sign(params);
    const charset = this.config.charset;
    return {
      service: params['service']!,
      params: signed,
      url: `${this.config.gateway}?${encodeQuery(signed, charset)}`,
      // The 2009 demo posts with _input_charset in the URL so the gateway decodes the body correctly.
      html: autoSubmitForm(`${this.config.gateway}?_input_charset=${charset}`, signed, charset),
    };
  }

  private base(service: string): Record<string, string> {
    return { service, partner: this.config.partnerId, _input_charset: this.config.charset };
  }

  private seller(override: SellerAccount | undefined): Record<string, string> {
    const email = override?.email ?? (override?.id ? undefined : this.config.sellerEmail);
    const id = override?.id ?? (override?.email ? undefined : this.config.sellerId);
    // One seller parameter is enough; e-mail wins because it is what the 2009 guide's C2C mode uses.
    if (email) return { seller_email: email };
    if (id) return { seller_id: id };
    return { seller_id: this.config.partnerId };
  }

  private common(input: LegacyPaymentInput): Record<string, string> {
    if (input.passback !== undefined && /[=&]/.test(input.passback)) {
      throw new TypeError('passback (extra_common_param) must not contain "=" or "&"');
    }
    const params: Record<string, string> = {
      out_trade_no: input.outTradeNo,
      subject: input.subject,
      payment_type: '1',
      ...this.seller(input.seller),
    };
    const optional: Record<string, string | undefined> = {
      notify_url: input.notifyUrl,
      return_url: input.returnUrl,
      body: input.body,
      show_url: input.showUrl,
      it_b_pay: input.timeoutMinutes === undefined ? undefined : itBPay(input.timeoutMinutes),
      extra_common_param: input.passback,
      exter_invoke_ip: input.buyerIp,
    };
    for (const [key, value] of Object.entries(optional)) if (value) params[key] = value;
    return params;
  }

  private logistics(input: LegacyPaymentInput): Record<string, string> {
    const shipping = input.shippingFeeFen ?? 0;
    if (!Number.isSafeInteger(shipping) || shipping < 0 || shipping >= input.amountFen) {
      throw new MoneyError('shippingFeeFen must be a whole number of fen, at least 0 and below the total');
    }
    const type = input.logistics?.type ?? (input.goods === 'virtual' ? 'DIRECT' : 'EXPRESS');
    const params: Record<string, string> = {
      price: fenToYuan(input.amountFen - shipping),
      quantity: '1',
      logistics_type: type,
      logistics_fee: fenToYuan(shipping, { allowZero: true }),
      logistics_payment: input.logistics?.payment ?? (shipping > 0 ? 'BUYER_PAY' : 'SELLER_PAY'),
    };
    const receiver = input.receiver ?? {};
    const fields: Record<string, string | undefined> = {
      receive_name: receiver.name,
      receive_address: receiver.address,
      receive_zip: receiver.zip,
      receive_phone: receiver.phone,
      receive_mobile: receiver.mobile,
    };
    for (const [key, value] of Object.entries(fields)) if (value) params[key] = value;
    return params;
  }

  /** 即时到账 `create_direct_pay_by_user`: the buyer pays and the money reaches the seller at once. */
  createDirectPayByUser(input: LegacyPaymentInput): SignedBrowserRequest {
    return this.browserRequest({
      ...this.base('create_direct_pay_by_user'),
      ...this.common(input),
      total_fee: fenToYuan(input.amountFen),
    });
  }

  /** 担保交易 `create_partner_trade_by_buyer`: paid into escrow, released when the buyer confirms receipt. */
  createPartnerTradeByBuyer(input: LegacyPaymentInput): SignedBrowserRequest {
    return this.browserRequest({
      ...this.base('create_partner_trade_by_buyer'),
      ...this.common(input),
      ...this.logistics(input),
    });
  }

  /** 标准双接口 `trade_create_by_buyer`: the buyer chooses instant payment or escrow on the cashier. */
  tradeCreateByBuyer(input: LegacyPaymentInput): SignedBrowserRequest {
    return this.browserRequest({
      ...this.base('trade_create_by_buyer'),
      ...this.common(input),
      ...this.logistics(input),
    });
  }

  /** The create interface of the configured contract (or the one named). */
  createPayment(input: LegacyPaymentInput, interfaceType: LegacyInterfaceType = this.config.interfaceType) {
    switch (LEGACY_CREATE_SERVICE[interfaceType]) {
      case 'create_direct_pay_by_user':
        return this.createDirectPayByUser(input);
      case 'create_partner_trade_by_buyer':
        return this.createPartnerTradeByBuyer(input);
      default:
        return this.tradeCreateByBuyer(input);
    }
  }

  /** Sends a signed server-to-server GET and parses the XML answer; `is_success=F` throws. */
  private async call(params: Record<string, string>, idempotent: boolean): Promise<LegacyXmlAnswer> {
    const signed = this.sign(params);
    const response = await httpRequest(
      {
        url: `${this.config.gateway}?${encodeQuery(signed, this.config.charset)}`,
        method: 'GET',
        idempotent,
      },
      this.http,
    );
    const charset = normalizeCharset(xmlDeclaredEncoding(response.body)) ?? this.config.charset;
    let text: string;
    try {
      text = decodeText(response.body, charset);
    } catch {
      throw new AlipayResponseError(`the ${params['service']} answer is not valid ${charset}`);
    }
    const answer = parseLegacyXml(text);
    if (!answer.isSuccess) throw legacyGatewayError(params['service']!, answer.error);
    return answer;
  }

  /**
   * 发货 `send_goods_confirm_by_platform`: tells Alipay an escrow trade has shipped (the trade moves to
   * WAIT_BUYER_CONFIRM_GOODS). Not retried here; a repeat after success answers TRADE_STATUS_NOT_AVAILD.
   */
  async sendGoodsConfirmByPlatform(input: {
    tradeNo: string;
    logisticsName: string;
    invoiceNo?: string;
    transportType?: LogisticsType;
  }): Promise<void> {
    const params: Record<string, string> = {
      ...this.base('send_goods_confirm_by_platform'),
      trade_no: input.tradeNo,
      logistics_name: input.logisticsName,
      transport_type: input.transportType ?? (input.invoiceNo ? 'EXPRESS' : 'DIRECT'),
    };
    if (input.invoiceNo) params['invoice_no'] = input.invoiceNo;
    await this.call(params, false);
  }

  /**
   * `single_trade_query` by `out_trade_no` or `trade_no`: the trade as a `query` event, or null when
   * Alipay has no such trade. The signed XML is verified before it is trusted.
   */
  async singleTradeQuery(ref: { outTradeNo?: string; tradeNo?: string }): Promise<TradeEvent | null> {
    const params: Record<string, string> = this.base('single_trade_query');
    if (ref.tradeNo) params['trade_no'] = ref.tradeNo;
    else if (ref.outTradeNo) params['out_trade_no'] = ref.outTradeNo;
    else throw new TypeError('singleTradeQuery needs outTradeNo or tradeNo');
    let answer: LegacyXmlAnswer;
    try {
      answer = await this.call(params, true);
    } catch (error) {
      const code = (error as { gatewayCode?: string }).gatewayCode;
      if (code === 'TRADE_NOT_EXIST' || code === 'OUT_TRADE_NO_EXIST') return null;
      throw error;
    }
    if (!this.verifyXmlSign(answer)) {
      throw new AlipayResponseError('the single_trade_query answer is not signed with the configured key');
    }
    return legacyFieldsToTradeEvent(answer.response, 'query');
  }

  /**
   * The XML signature covers the leaf fields of the element inside `<response>` (e.g. `<trade>`), signed
   * like any legacy parameter set.
   */
  private verifyXmlSign(answer: LegacyXmlAnswer): boolean {
    if (!answer.sign) return false;
    const { charset } = this.config;
    if (this.config.signType === 'MD5') {
      return md5Verify({ ...answer.response, sign: answer.sign }, this.config.key!, { charset });
    }
    return rsaVerify(
      encodeText(buildSignString(answer.response), charset),
      answer.sign,
      this.config.alipayPublicKey!,
      'RSA',
    );
  }

  /** `close_trade` an unpaid trade, by `out_order_no` (the merchant's order number) or `trade_no`. */
  async closeTrade(ref: { outTradeNo?: string; tradeNo?: string }): Promise<void> {
    const params: Record<string, string> = this.base('close_trade');
    if (ref.tradeNo) params['trade_no'] = ref.tradeNo;
    else if (ref.outTradeNo)
      params['out_order_no'] = ref.outTradeNo; // not out_trade_no: notes A8
    else throw new TypeError('closeTrade needs outTradeNo or tradeNo');
    await this.call(params, true);
  }

  private refundParams(
    service: string,
    input: { batchNo: string; items: LegacyRefundItem[]; notifyUrl?: string },
  ): Record<string, string> {
    if (input.items.length === 0 || input.items.length > 1000) throw new TypeError('1–1000 refund items');
    const detail = input.items
      .map(item => {
        const reason = (item.reason ?? 'refund').replace(/[\^|$#]/g, ' ');
        return `${item.tradeNo}^${fenToYuan(item.amountFen)}^${reason}`;
      })
      .join('#');
    // Refund services name the seller seller_email or seller_user_id (not seller_id as the create interfaces do).
    const seller = this.seller(undefined);
    const params: Record<string, string> = {
      ...this.base(service),
      ...(seller['seller_email']
        ? { seller_email: seller['seller_email'] }
        : { seller_user_id: seller['seller_id']! }),
      refund_date: formatBeijingTime(this.now()),
      batch_no: input.batchNo,
      batch_num: String(input.items.length),
      detail_data: detail,
    };
    if (input.notifyUrl) params['notify_url'] = input.notifyUrl;
    return params;
  }

  /**
   * `refund_fastpay_by_platform_nopwd` (needs its own contract): Alipay accepts the batch and reports the
   * result later with a `batch_refund_notify`. Never retried automatically; a repeated batch_no is refused
   * by Alipay with DUPLICATE_BATCH_NO, which is reported as `alreadySubmitted`.
   */
  async refundNoPassword(input: {
    batchNo: string;
    items: LegacyRefundItem[];
    notifyUrl?: string;
  }): Promise<{ batchNo: string; alreadySubmitted: boolean }> {
    try {
      await this.call(this.refundParams('refund_fastpay_by_platform_nopwd', input), false);
      return { batchNo: input.batchNo, alreadySubmitted: false };
    } catch (error) {
      if ((error as { gatewayCode?: string }).gatewayCode === 'DUPLICATE_BATCH_NO') {
        return { batchNo: input.batchNo, alreadySubmitted: true };
      }
      throw error;
    }
  }

  /**
   * `refund_fastpay_by_platform_pwd`: a page where the seller confirms the refund with the payment
   * password; the result arrives as a `batch_refund_notify`.
   */
  refundWithPassword(input: {
    batchNo: string;
    items: LegacyRefundItem[];
    notifyUrl?: string;
  }): SignedBrowserRequest {
    return this.browserRequest(this.refundParams('refund_fastpay_by_platform_pwd', input));
  }

  /**
   * `notify_verify`: asks Alipay whether a notify_id is genuine and still valid. Only the body `true`
   * counts. Network trouble throws `AlipayNetworkError` (retryable), so the caller can ask Alipay to retry.
   */
  async notifyVerify(notifyId: string): Promise<boolean> {
    // The notify_id arrives already percent-escaped inside its value: encoding it again breaks the check
    // (fengli/alipay_python#10), so only characters unsafe in a query are escaped, never '%'.
    const safeId = notifyId.replace(/[^A-Za-z0-9\-_.~%]/g, c => encodeURIComponent(c));
    const url =
      `${this.config.gateway}?service=notify_verify&partner=${encodeURIComponent(this.config.partnerId)}` +
      `&notify_id=${safeId}`;
    const response = await httpRequest({ url, method: 'GET', idempotent: true }, this.http);
    return Buffer.from(response.body).toString('latin1').trim() === 'true';
  }
}
