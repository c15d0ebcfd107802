/**
 * Builds the example shop's Vendure Dashboard (`@vendure/dashboard`) into dist/dashboard, which
 * DashboardPlugin serves at /dashboard. `vendureDashboardPlugin` reads src/dashboard-config.ts, finds
 * the plugins with a Dashboard extension (the Alipay plugin's payment method form and order panel)
 * and compiles them in. `pnpm build:dashboard` runs it; `pnpm start` and `pnpm demo` run it when its
 * inputs changed (scripts/build-dashboard.mjs).
 */
import { fileURLToPath } from 'node:url';
import { vendureDashboardPlugin } from '@vendure/dashboard/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  build: {
    outDir: fileURLToPath(new URL('./dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // The Dashboard is one large app by design; the warning would print on every build.
    chunkSizeWarningLimit: 10_000,
  },
  plugins: [
    vendureDashboardPlugin({
      vendureConfigPath: new URL('./src/dashboard-config.ts', import.meta.url),
      vendureConfigExport: 'dashboardBuildConfig',
      // The Dashboard is served by the shop itself: the Admin API is on the page's own origin.
      api: { host: 'auto', port: 'auto', adminApiPath: 'admin-api' },
      // The demo shop is bilingual: the Dashboard offers English and 简体中文 (the Alipay form follows it).
      // LanguageCode values as strings: @vendure/common, which types them, is not a dependency of this shop.
      i18n: { defaultLanguage: 'en' as never, availableLanguages: ['en', 'zh_Hans'] as never },
    }),
  ],
});
