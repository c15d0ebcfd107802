import type { RefundOrigin, ShopRefundStatus } from '@alipay-commerce/core/lifecycle';
import type { DeepPartial, ID } from '@vendure/core';
import { EntityId, VendureEntity } from '@vendure/core';
import { Column, Entity, Index } from 'typeorm';

/**
 * One refund of an Alipay trade as the plugin asked for it (or as Alipay reported it): the plugin's
 * ledger of money going back, next to Vendure's own `Refund`.
 *
 * The row is written, with its request number, in the same transaction as Vendure's `Refund` and
 * before Alipay is called; Alipay is called only once that transaction has committed. So a
 * notification always finds the refund it reports on, a crash after the call leaves a row that
 * reconciliation completes, and a retry always sends the same number (Alipay does not refund twice).
 *
 * `inFlightKey` holds the trade's `out_trade_no` while the refund's outcome is unknown (`requested`,
 * `uncertain`) and is `NULL` otherwise: its unique index lets at most one refund of a trade be in
 * flight, whichever process asks (NULLs are distinct in SQLite, PostgreSQL and MySQL).
 */
@Entity()
@Index(['outTradeNo', 'requestNo'], { unique: true })
export class AlipayRefund extends VendureEntity {
  /** Creates a refund record; TypeORM also calls this without arguments when loading rows. */
  constructor(input?: DeepPartial<AlipayRefund>) {
    super(input);
  }

  /** The channel of the order. */
  @Index()
  @EntityId()
  channelId!: ID;

  /** The trade refunded (`out_trade_no`). */
  @Index()
  @Column('varchar', { length: 64 })
  outTradeNo!: string;

  /** Alipay's trade number. */
  @Column('varchar', { length: 64, nullable: true })
  tradeNo!: string | null;

  /** The refund's ID (the core's `planRefund`): the idempotency key of the refund and its query. */
  @Column('varchar', { length: 64 })
  refundId!: string;

  /** The request number Alipay knows the refund by: OpenAPI `out_request_no`, legacy `batch_no`. */
  @Column('varchar', { length: 128 })
  requestNo!: string;

  /** The amount refunded, in fen. */
  @Column('int')
  amountFen!: number;

  /** Where the refund stands (see the core's `ShopRefundStatus`). */
  @Index()
  @Column('varchar', { length: 32 })
  status!: ShopRefundStatus;

  /** Who asked: an admin (`shop`), Alipay's side (`alipay`), or the orphan policy (`orphan`). */
  @Column('varchar', { length: 16 })
  origin!: RefundOrigin;

  /** `out_trade_no` while the outcome is unknown, else NULL: one refund in flight per trade. */
  @Index({ unique: true })
  @Column('varchar', { length: 64, nullable: true })
  inFlightKey!: string | null;

  /** What the plugin recorded as refunded on the trade when this refund was planned, in fen. */
  @Column('int', { default: 0 })
  settledBeforeFen!: number;

  /** The Vendure payment refunded (none for an orphan, which has no payment). */
  @EntityId({ nullable: true })
  paymentId!: ID | null;

  /** Vendure's `Refund` for it, once linked. */
  @Index()
  @EntityId({ nullable: true })
  vendureRefundId!: ID | null;

  /** Legacy refunds without the no-password contract: where the seller confirms. */
  @Column('text', { nullable: true })
  confirmUrl!: string | null;

  /** Why it failed or is uncertain: a bilingual text, never a secret. */
  @Column('text', { nullable: true })
  error!: string | null;

  /** Calls made to Alipay for it. */
  @Column('int', { default: 0 })
  attempts!: number;

  /** When Alipay was last asked about it (sent, or queried by reconciliation). */
  @Column({ type: Date, nullable: true })
  lastAttemptAt!: Date | null;

  /** When reconciliation flagged the order because this refund needs a person (set once). */
  @Column({ type: Date, nullable: true })
  attentionAt!: Date | null;
}
