import { randomInt } from 'node:crypto';
import type { AntomAmount } from './antom-amounts';

/**
 * In-memory state of the emulated Antom: payments keyed by Antom's `paymentId` and by the merchant's
 * `paymentRequestId` (unique per client), with their refunds (keyed by `refundRequestId`, the idempotency
 * key), and the remembered answers of `pay`, so that a repeated request with the same content gets the
 * same answer and one with a different content is refused.
 */

/** Antom's `paymentStatus` values the sandbox uses. */
export type AntomPaymentStatus = 'PROCESSING' | 'PENDING' | 'SUCCESS' | 'FAIL' | 'CANCELLED';

/** One refund of a payment. */
export interface AntomRefund {
  refundId: string;
  refundRequestId: string;
  amount: AntomAmount;
  reason?: string;
  at: number;
  /** The request body's fields that define it, to tell a repeat from a conflicting reuse of the ID. */
  fingerprint: string;
}

/** Everything the sandbox remembers about an Antom payment. */
export interface AntomPayment {
  paymentId: string;
  paymentRequestId: string;
  clientId: string;
  productCode: string;
  paymentMethodType: string;
  amount: AntomAmount;
  /** What an Alipay (CN) buyer pays, in fen, at the sandbox rate; undefined for other methods. */
  cnyFen?: number;
  orderDescription: string;
  referenceOrderId?: string;
  paymentNotifyUrl?: string;
  paymentRedirectUrl?: string;
  refundNotifyUrl?: string;
  terminalType?: string;
  status: AntomPaymentStatus;
  createdAt: number;
  paidAt?: number;
  cancelledAt?: number;
  failedAt?: number;
  refunds: AntomRefund[];
  refundedMinor: bigint;
  /** The exact request body of `pay` (canonical JSON), for REPEAT_REQ_INCONSISTENT. */
  fingerprint: string;
  /** The body of the first `pay` answer, repeated for an identical request. */
  payAnswer?: Record<string, unknown>;
  history: Array<{ at: number; status: AntomPaymentStatus; event: string }>;
}

const key = (clientId: string, id: string): string => `${clientId}\u0000${id}`;

/**
 * A JSON text of a value with object keys sorted, so that two requests with the same content but fields
 * in another order count as the same request.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The Antom side of the sandbox's state. */
export class AntomStore {
  readonly payments = new Map<string, AntomPayment>();
  private readonly byRequest = new Map<string, string>();
  /** Refunds by client and refundRequestId (unique per merchant, across its payments). */
  private readonly refundsByRequest = new Map<string, { payment: AntomPayment; refund: AntomRefund }>();
  private seq = 0;

  /** A fresh Antom ID: the date, a sequence and random digits (`202401011154190100000001234567`). */
  newId(now: number): string {
    this.seq = (this.seq + 1) % 100_000;
    const d = new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    return `${d}1154190${String(this.seq).padStart(5, '0')}${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
  }

  /** Stores a payment. */
  add(payment: AntomPayment): void {
    this.payments.set(payment.paymentId, payment);
    this.byRequest.set(key(payment.clientId, payment.paymentRequestId), payment.paymentId);
  }

  /** The payment of a client's paymentRequestId. */
  byPaymentRequestId(clientId: string, paymentRequestId: string): AntomPayment | undefined {
    const id = this.byRequest.get(key(clientId, paymentRequestId));
    return id === undefined ? undefined : this.payments.get(id);
  }

  /** A payment by paymentId, or by paymentRequestId when that is unique across clients. */
  find(id: string, clientId?: string): AntomPayment | undefined {
    if (clientId) return this.byPaymentRequestId(clientId, id) ?? this.payments.get(id);
    const direct = this.payments.get(id);
    if (direct) return direct;
    const matches = [...this.payments.values()].filter(p => p.paymentRequestId === id);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** The refund a client made with this refundRequestId, and its payment. */
  refundByRequestId(
    clientId: string,
    refundRequestId: string,
  ): { payment: AntomPayment; refund: AntomRefund } | undefined {
    return this.refundsByRequest.get(key(clientId, refundRequestId));
  }

  /** The refund a client made with Antom's `refundId`, and its payment. */
  refundById(clientId: string, refundId: string): { payment: AntomPayment; refund: AntomRefund } | undefined {
    for (const entry of this.refundsByRequest.values()) {
      if (entry.payment.clientId === clientId && entry.refund.refundId === refundId) return entry;
    }
    return undefined;
  }

  /** Records a refund of a payment. */
  addRefund(payment: AntomPayment, refund: AntomRefund): void {
    payment.refunds.push(refund);
    payment.refundedMinor += refund.amount.minor;
    this.refundsByRequest.set(key(payment.clientId, refund.refundRequestId), { payment, refund });
  }

  /** Forgets every payment. */
  clear(): void {
    this.payments.clear();
    this.byRequest.clear();
    this.refundsByRequest.clear();
  }
}
