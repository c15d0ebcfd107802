import { randomBytes, randomInt } from 'node:crypto';
import type { AlipayCharset } from './charset';
import { beijingDate } from './time';

/**
 * In-memory state of the emulated Alipay: trades, refunds, refund batch numbers, issued notify_ids,
 * QR codes and pending password-refund confirmations. Keyed the way Alipay keys them: a merchant order
 * number is unique per partner (legacy) or per app (OpenAPI); Alipay's trade_no is unique overall.
 */

/** Which cashier a trade was created through. */
export type TradeKind = 'direct' | 'escrow' | 'dual' | 'page' | 'wap' | 'qr';

/** Alipay trade statuses the sandbox uses. */
export type TradeStatus =
  | 'WAIT_BUYER_PAY'
  | 'WAIT_SELLER_SEND_GOODS'
  | 'WAIT_BUYER_CONFIRM_GOODS'
  | 'TRADE_SUCCESS'
  | 'TRADE_FINISHED'
  | 'TRADE_CLOSED';

/** One logistics option of an escrow/dual order (`logistics_type`, `_fee`, `_payment`, and `_1`, `_2`). */
export interface LogisticsOption {
  type: string;
  feeFen: number;
  payment: string;
}

/**
 * A refund applied to a trade. `source`: `batch` = refund_fastpay_by_platform_nopwd/pwd, `openapi` =
 * alipay.trade.refund or alipay.trade.cancel, `alipay` = a refund made on Alipay's side without the
 * merchant's API call (`POST /__sandbox/alipay-refund`: the buyer's refund agreed through Alipay, customer
 * service, the merchant portal).
 */
export interface RefundRecord {
  source: 'batch' | 'openapi' | 'alipay';
  /** Legacy batch number. */
  batchNo?: string;
  /** The OpenAPI out_request_no, or the number Alipay gave its own refund (`ALIPAY-REFUND-<n>`). */
  outRequestNo?: string;
  amountFen: number;
  reason: string;
  at: number;
}

/** Everything the sandbox remembers about a trade. */
export interface Trade {
  tradeNo: string;
  outTradeNo: string;
  generation: 'legacy' | 'openapi';
  /** The partner (legacy) or app ID (OpenAPI) that created it. */
  owner: string;
  /** The create interface or method, e.g. `create_direct_pay_by_user`, `alipay.trade.page.pay`. */
  service: string;
  kind: TradeKind;
  charset: AlipayCharset;
  /** Signature type of the create request; notifications and returns use the same. */
  signType: 'MD5' | 'RSA' | 'RSA2';
  subject: string;
  body?: string;
  totalFen: number;
  priceFen: number;
  quantity: number;
  discountFen: number;
  logistics: LogisticsOption[];
  /** Index of the logistics option the buyer chose. */
  logisticsChoice: number;
  receive: Record<string, string>;
  sellerEmail: string;
  sellerId: string;
  /** Service-provider trades (`app_auth_token`): the authorising merchant's app, sent as `auth_app_id`. */
  authAppId?: string;
  notifyUrl?: string;
  returnUrl?: string;
  showUrl?: string;
  quitUrl?: string;
  /** Parameters echoed back (`extra_common_param`, `passback_params`). */
  echo: Record<string, string>;
  /** The latest create request's parameters (what the trade was last created or re-created with). */
  request: Record<string, string>;
  status: TradeStatus;
  /** Dual interface: how the buyer paid. */
  paidAs?: 'instant' | 'escrow';
  /** The trade exists in Alipay's eyes once the buyer opened the cashier (or scanned the QR code). */
  visible: boolean;
  gmtCreate: number;
  gmtPayment?: number;
  gmtSendGoods?: number;
  gmtClose?: number;
  gmtRefund?: number;
  gmtLogisticsModify?: number;
  gmtLastModified: number;
  buyerEmail?: string;
  buyerId?: string;
  refundedFen: number;
  refunds: RefundRecord[];
  /**
   * Legacy escrow trade closed by an Alipay-side refund reported without `refund_status` (both shapes
   * occur): notifications and single_trade_query then leave `refund_status` and `gmt_refund` out.
   */
  refundStatusHidden?: boolean;
  shipment?: { logisticsName: string; invoiceNo?: string; transportType?: string };
  /** Sandbox time at which an unpaid trade closes. */
  expiresAt?: number;
  /** The QR code token of a precreated trade. */
  qrToken?: string;
  /** Clock task ids to cancel when the trade moves on. */
  timers: { expire?: number; autoConfirm?: number; finish?: number };
  /** Every status change, for debugging and `GET /__sandbox/trades/:id`. */
  history: Array<{ at: number; status: TradeStatus; event: string }>;
}

/** What the gateway knows about a notify_id it issued. */
export interface NotifyIdRecord {
  notifyId: string;
  /** Partner (legacy) or app ID (OpenAPI). */
  owner: string;
  kind: 'notify' | 'return';
  issuedAt: number;
  /** Sandbox time after which `notify_verify` answers false; undefined while still valid without end. */
  expiresAt?: number;
}

/** A refund_fastpay_by_platform_pwd request waiting for the seller's password. */
export interface PendingPwdRefund {
  token: string;
  partner: string;
  params: Record<string, string>;
  charset: AlipayCharset;
  signType: 'MD5' | 'RSA';
  createdAt: number;
  done: boolean;
}

/** What a create interface decides about a new trade; the store fills in the rest of an unpaid trade. */
export type NewTradeFields = Omit<
  Trade,
  | 'tradeNo'
  | 'status'
  | 'visible'
  | 'gmtCreate'
  | 'gmtLastModified'
  | 'refundedFen'
  | 'refunds'
  | 'timers'
  | 'history'
>;

const key = (owner: string, outTradeNo: string): string => `${owner}\u0000${outTradeNo}`;

/** The sandbox's state. */
export class TradeStore {
  readonly trades = new Map<string, Trade>();
  private readonly byOut = new Map<string, string>();
  private readonly batchNos = new Map<string, Set<string>>();
  readonly notifyIds = new Map<string, NotifyIdRecord>();
  readonly qrCodes = new Map<string, string>();
  readonly pwdRefunds = new Map<string, PendingPwdRefund>();
  private seq = 0;
  /** Numbers of Alipay-side refunds; never reset, so they stay unique for the sandbox's lifetime. */
  private alipayRefundSeq = 0;

  /** A fresh 28-digit trade number: date + 2200 + 16 digits, like `2015051900001000980052833539`. */
  newTradeNo(now: number): string {
    this.seq = (this.seq + 1) % 10_000;
    const random = String(randomInt(0, 1_000_000_000_000)).padStart(12, '0');
    return `${beijingDate(now)}2200${String(this.seq).padStart(4, '0')}${random}`;
  }

  /**
   * Creates and stores an unpaid trade: a fresh trade number, WAIT_BUYER_PAY, no refunds, and not yet
   * visible (on Alipay a trade exists for queries only once the buyer opened the cashier).
   */
  createUnpaid(fields: NewTradeFields, now: number): Trade {
    const trade: Trade = {
      tradeNo: this.newTradeNo(now),
      ...fields,
      status: 'WAIT_BUYER_PAY',
      visible: false,
      gmtCreate: now,
      gmtLastModified: now,
      refundedFen: 0,
      refunds: [],
      timers: {},
      history: [{ at: now, status: 'WAIT_BUYER_PAY', event: 'created' }],
    };
    this.add(trade);
    return trade;
  }

  /** Stores a new trade. */
  add(trade: Trade): void {
    this.trades.set(trade.tradeNo, trade);
    this.byOut.set(key(trade.owner, trade.outTradeNo), trade.tradeNo);
  }

  /** The trade of a merchant order number, for one partner or app. */
  byOutTradeNo(owner: string, outTradeNo: string): Trade | undefined {
    const tradeNo = this.byOut.get(key(owner, outTradeNo));
    return tradeNo === undefined ? undefined : this.trades.get(tradeNo);
  }

  /** Looks a trade up by trade_no, or by out_trade_no when it is unique across owners. */
  find(id: string): Trade | undefined {
    const direct = this.trades.get(id);
    if (direct) return direct;
    const matches = [...this.trades.values()].filter(t => t.outTradeNo === id);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** The request number of a refund Alipay makes on its own side (its `out_biz_no` in notifications). */
  newAlipayRefundNo(): string {
    return `ALIPAY-REFUND-${++this.alipayRefundSeq}`;
  }

  /** Records a refund batch number; false when the partner already used it. */
  claimBatchNo(partner: string, batchNo: string): boolean {
    let used = this.batchNos.get(partner);
    if (!used) {
      used = new Set();
      this.batchNos.set(partner, used);
    }
    if (used.has(batchNo)) return false;
    used.add(batchNo);
    return true;
  }

  /** Whether a batch number was already used by this partner. */
  batchNoUsed(partner: string, batchNo: string): boolean {
    return this.batchNos.get(partner)?.has(batchNo) ?? false;
  }

  /**
   * Issues a notify_id. Notification ids look like the samples (`637b0413f5e6…c97g`); return-URL ids
   * are base64 with `/` and `+` (`RqPnCoPT3K9/vwbh…`), which the return URL then carries percent-encoded
   * inside the value, as Alipay does.
   */
  issueNotifyId(owner: string, kind: 'notify' | 'return', now: number, expiresAt?: number): NotifyIdRecord {
    let notifyId: string;
    do {
      notifyId =
        kind === 'notify'
          ? `${randomBytes(16).toString('hex')}${randomInt(0, 10)}${'abcdefghijklmnopqrstuvwxyz'[randomInt(0, 26)]}`
          : `RqPnCoPT3K9/${randomBytes(45).toString('base64').replace(/=+$/, '')}`;
    } while (this.notifyIds.has(notifyId));
    const record: NotifyIdRecord = { notifyId, owner, kind, issuedAt: now };
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    this.notifyIds.set(notifyId, record);
    return record;
  }

  /** Forgets everything (config and keys stay). */
  clear(): void {
    this.trades.clear();
    this.byOut.clear();
    this.batchNos.clear();
    this.notifyIds.clear();
    this.qrCodes.clear();
    this.pwdRefunds.clear();
  }
}
