// @ts-check
/**
 * Starts the Express shop. Settings come from a JSON file of admin settings (the same flat fields the
 * Vendure and Medusa plugins store): ALIPAY_SETTINGS=path/to/settings.json PORT=4000 node src/server.mjs
 *
 * The merchant token (`MERCHANT_TOKEN`, guards the merchant routes) comes from the environment, else from
 * `$DATA_DIR/secrets.json` (default: this package's git-ignored `.data/`). The first run generates it there
 * and prints it once; with `NODE_ENV=production` the shop refuses to start without it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSecrets, MissingSecretsError } from '@alipay-commerce/example-support/secrets';
import { createShop } from './shop.mjs';

const port = Number(process.env.PORT ?? 4000);
const settingsPath = process.env.ALIPAY_SETTINGS ?? 'alipay-settings.json';
const publicUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
const dataDir = resolve(process.env.DATA_DIR || fileURLToPath(new URL('../.data', import.meta.url)));
const secretsFile = join(dataDir, 'secrets.json');

let secrets;
try {
  secrets = loadSecrets({ file: secretsFile, names: ['MERCHANT_TOKEN'] });
} catch (error) {
  if (!(error instanceof MissingSecretsError)) throw error;
  console.error(`The Express shop refuses to start / Express 商城拒绝启动: ${error.message}`);
  process.exit(1);
}
const merchantToken = /** @type {string} */ (secrets.values.MERCHANT_TOKEN);
if (secrets.generated.includes('MERCHANT_TOKEN')) {
  // Printed this once only (later starts read it from the file): the merchant needs it to ship and refund.
  console.log(
    `Merchant token, generated and saved in ${secretsFile} (shown only now) / 商家令牌（已生成并保存，仅显示这一次）:\n` +
      `  MERCHANT_TOKEN=${merchantToken}\n` +
      '  curl -H "Authorization: Bearer $MERCHANT_TOKEN" -X POST …/orders/<id>/ship | …/orders/<id>/refund',
  );
}

const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
const { app } = createShop({ settings, publicUrl, merchantToken });
app.listen(port, () => console.log(`Express shop on ${publicUrl} (Alipay settings from ${settingsPath})`));
