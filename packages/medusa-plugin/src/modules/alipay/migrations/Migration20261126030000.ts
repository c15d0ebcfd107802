import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * Accepted notifications (applied after Alipay was answered): the verified event an accepted claim
 * still has to apply, its failed attempts, and an index for the resume job's look-up of stale claims.
 */
export class Migration20261126030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_notification_claim" add column if not exists "event" jsonb null, add column if not exists "attempts" integer not null default 0;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_notification_claim_state_claimed_at" ON "alipay_notification_claim" ("state", "claimed_at") WHERE deleted_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "IDX_alipay_notification_claim_state_claimed_at";`);
    this.addSql(
      `alter table if exists "alipay_notification_claim" drop column if exists "event", drop column if exists "attempts";`,
    );
  }
}
