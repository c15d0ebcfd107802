import type { DeepPartial, ID } from '@vendure/core';
import { EntityId, VendureEntity } from '@vendure/core';
import { Column, Entity, Index } from 'typeorm';

/**
 * A record that one verified Alipay notification state has been received for a trade.
 *
 * Alipay retries a notification until it is answered `success`, and a retry can arrive while the
 * first delivery is still being processed. The unique key over (`tradeNo`, `alipayStatus`) makes the
 * second insert fail, so exactly one delivery per trade state performs the side effects (adding the
 * payment, refunding an orphan), whichever database Vendure runs on.
 */
@Entity()
@Index(['tradeNo', 'alipayStatus'], { unique: true })
export class AlipayNotificationReceipt extends VendureEntity {
  /** Creates a receipt; TypeORM also calls this without arguments when loading rows. */
  constructor(input?: DeepPartial<AlipayNotificationReceipt>) {
    super(input);
  }

  /** Alipay's trade number (`trade_no`). */
  @Column('varchar', { length: 64 })
  tradeNo!: string;

  /**
   * What this notification reported: Alipay's `trade_status` for a trade status change,
   * `REFUND:<request no>:<refunded fen>` for an OpenAPI refund and `BATCH_REFUND:<batch_no>` for a
   * legacy batch refund, so that each refund is processed once too.
   */
  @Column('varchar', { length: 128 })
  alipayStatus!: string;

  /** The merchant's trade number (`out_trade_no`) the notification was about. */
  @Index()
  @Column('varchar', { length: 64 })
  outTradeNo!: string;

  /** Alipay's `notify_id` of the delivery that was processed, for support. */
  @Column('varchar', { length: 128, nullable: true })
  notifyId!: string | null;

  /** The channel the notification was addressed to (from the notify URL). */
  @EntityId()
  channelId!: ID;
}
