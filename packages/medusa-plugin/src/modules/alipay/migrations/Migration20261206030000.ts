import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * `alipay_trade_start.last_queried_at`: when a storefront-driven status check last asked Alipay about the
 * trade, so that checks within the core's `SYNC_MIN_INTERVAL_MS` answer from the recorded state (issue 15).
 */
export class Migration20261206030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_trade_start" add column if not exists "last_queried_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "alipay_trade_start" drop column if exists "last_queried_at";`);
  }
}
