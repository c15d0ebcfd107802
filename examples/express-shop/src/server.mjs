// @ts-check
/**
 * Starts the Express shop. Settings come from a JSON file of admin settings (the same flat fields the
 * Vendure and Medusa plugins store): ALIPAY_SETTINGS=path/to/settings.json PORT=4000 node src/server.mjs
 */
import { readFileSync } from 'node:fs';
import { createShop } from './shop.mjs';

const port = Number(process.env.PORT ?? 4000);
const settingsPath = process.env.ALIPAY_SETTINGS ?? 'alipay-settings.json';
const publicUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
const { app } = createShop({ settings, publicUrl });
app.listen(port, () => console.log(`Express shop on ${publicUrl} (Alipay settings from ${settingsPath})`));
