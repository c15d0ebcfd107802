/**
 * Fixed names and throw-away credentials of the example shop, shared by the seed script (run by Medusa)
 * and `scripts/start.ts` (which prints them in its ready line).
 *
 * THROW-AWAY DEMO CREDENTIALS, printed on purpose: never reuse them for a real shop.
 * 演示用的一次性账号，特意打印出来，切勿用于真实商店。
 */

/** The admin user the first start creates (log in at http://localhost:<PORT>/app). */
export const DEMO_ADMIN = { email: 'admin@example.com', password: 'supersecret' } as const;

/**
 * Title of the publishable API key of the storefront's sales channel. The seed creates it last, so its
 * presence also means "the first start finished seeding".
 */
export const PUBLISHABLE_KEY_TITLE = 'Alipay demo storefront 演示店面';

/** Name of the shop's database on the embedded PostgreSQL (or on the server of DATABASE_URL). */
export const DATABASE_NAME = 'medusa_shop';
