/**
 * The configuration the Dashboard build reads (vite.config.mts → `vendureDashboardPlugin`): it finds the
 * plugins with a Dashboard extension (the Alipay plugin's `dashboard` metadata) and the Admin API
 * schema in it. Only the plugin list and the API shape matter there, so placeholder settings do: the
 * build neither connects to the database nor reads secrets.
 */
import { LogLevel, type VendureConfig } from '@vendure/core';
import { createVendureConfig } from './vendure-config';

/** The example shop's configuration with placeholder settings, for the Dashboard build only. */
export const dashboardBuildConfig: VendureConfig = createVendureConfig({
  port: 3000,
  dataDir: '.data',
  publicUrl: 'http://localhost:3000',
  sandboxUrl: 'http://127.0.0.1:7010',
  storefrontUrl: 'http://localhost:8080',
  logLevel: LogLevel.Warn,
  cookieSecret: 'dashboard-build-only',
  superadmin: { identifier: 'superadmin', password: 'dashboard-build-only' },
  generatedSecrets: [],
  databaseUrl: undefined,
  redisUrl: undefined,
  process: 'all',
  workerHealthPort: 3020,
});
