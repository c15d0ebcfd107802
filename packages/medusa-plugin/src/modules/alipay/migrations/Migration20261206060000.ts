import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * `alipay_trade_start.session_id`: the stored mapping from a trade's `out_trade_no` to its payment
 * session, now that `out_trade_no` is random and no longer the session ID (issue 15: the number is
 * public, and the session ID led to the buyer's data). Rows written before held the session ID as
 * their `out_trade_no`; they are mapped to it here, so that their late notifications, queries and
 * refunds still find the session.
 */
export class Migration20261206060000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_trade_start" add column if not exists "session_id" text null;`,
    );
    this.addSql(`update "alipay_trade_start" set "session_id" = "out_trade_no" where "session_id" is null;`);
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_trade_start_session_id" ON "alipay_trade_start" ("session_id") WHERE deleted_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "IDX_alipay_trade_start_session_id";`);
    this.addSql(`alter table if exists "alipay_trade_start" drop column if exists "session_id";`);
  }
}
