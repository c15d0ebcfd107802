/**
 * Builds the harness page. The page is served under `/__harness/` on the Medusa server's own origin
 * (the browser test fulfils those URLs), so the JS SDK's default base URL `/` reaches the admin API
 * without CORS; authentication is the dashboard's JWT mode.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/__harness/',
  logLevel: 'warn',
  define: {
    __AUTH_TYPE__: JSON.stringify('jwt'),
    __JWT_TOKEN_STORAGE_KEY__: JSON.stringify('medusa_auth_token'),
    'process.env.NODE_ENV': JSON.stringify('production'),
  },
  build: {
    rollupOptions: {
      // Radix and @medusajs/ui mark their modules "use client"; meaningless in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
    outDir:
      process.env.ALIPAY_HARNESS_OUT_DIR ??
      fileURLToPath(new URL('../../.medusa/admin-harness', import.meta.url)),
    emptyOutDir: true,
    reportCompressedSize: false,
  },
});
