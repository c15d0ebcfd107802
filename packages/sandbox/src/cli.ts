import { parseArgs } from 'node:util';
import { SandboxConfigError } from './config';
import { type SandboxInfo, type SandboxOptions, startSandbox } from './server';

/**
 * `alipay-sandbox [--port 7010] [--host 127.0.0.1] [--time-scale N] [--config merchants.json]`
 *
 * Contract scripts rely on: the FIRST line on stdout is one JSON object with the URLs and the generated
 * test credentials (SandboxInfo); human-readable text follows. The credentials are printed on purpose:
 * they are throw-away test material of an offline emulator, never real keys.
 */

const HELP = `alipay-sandbox — offline Alipay gateway emulator / 支付宝离线网关模拟器

Usage: alipay-sandbox [--port 7010] [--host 127.0.0.1] [--time-scale N] [--config merchants.json]

  --port        TCP port (default 7010; 0 = any free port)
  --host        interface to listen on (default 127.0.0.1)
  --time-scale  divide Alipay's delays by N (retries 4m,10m,10m,1h,2h,6h,15h; notify_id expiry; timeouts)
  --config      JSON file fixing partners, keys, apps, certificates (see README)

The first stdout line is a JSON object with the gateway URLs and the test credentials.`;

function humanText(info: SandboxInfo): string {
  const lines: string[] = [];
  lines.push('');
  lines.push('Alipay sandbox is running / 支付宝沙箱已启动');
  lines.push(`  Home 首页:                 ${info.url}/`);
  lines.push(`  Legacy gateway 旧版网关:    ${info.legacyGateway}`);
  lines.push(`  OpenAPI gateway 开放平台:   ${info.openapiGateway}`);
  lines.push(
    `  Control API 控制接口:       ${info.controlApi}/ (pay, clock/advance, deliveries, faults, reset)`,
  );
  lines.push(`  Time scale 时间倍率:        ${info.timeScale}`);
  lines.push('');
  lines.push(
    `Test buyer 测试买家: ${info.buyer.email}  password 支付密码: ${info.buyer.password} (pre-filled on the cashier 收银台已预填)`,
  );
  lines.push('');
  lines.push('Merchants 商户 (partner + MD5 key):');
  for (const m of info.merchants) {
    lines.push(`  ${m.partner}  ${m.name}  seller ${m.sellerEmail}  key ${m.key}`);
    lines.push(`      contract 签约接口: ${m.contract.join(', ')}`);
  }
  lines.push('');
  lines.push('Apps 应用 (OpenAPI RSA2; keys in the JSON line above 密钥见上方 JSON):');
  for (const a of info.apps) {
    lines.push(
      `  ${a.appId}  ${a.name}  products ${a.products.join(',')}${a.certificates ? '  certificate mode 证书模式' : ''}`,
    );
  }
  lines.push('');
  lines.push(
    'Cashier hints 收银台提示: send the buyer to the gateway URL; the cashier has #pay and #cancel;',
  );
  lines.push(
    '  the escrow buyer confirms receipt at /buyer/trades/<trade_no>. Notifications must be answered',
  );
  lines.push('  with exactly "success" (7 bytes) or they are retried.');
  lines.push('Keys above are generated, throw-away test material — never use them for real money.');
  lines.push('以上密钥为自动生成的测试材料，切勿用于真实资金。');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'time-scale': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const options: SandboxOptions = { port: values.port === undefined ? 7010 : Number(values.port) };
  if (!Number.isInteger(options.port) || options.port! < 0 || options.port! > 65535)
    throw new Error('--port must be 0–65535');
  if (values.host) options.host = values.host;
  if (values['time-scale'] !== undefined) {
    const scale = Number(values['time-scale']);
    if (!(scale > 0)) throw new Error('--time-scale must be a positive number');
    options.timeScale = scale;
  }
  if (values.config) options.config = values.config;
  const sandbox = await startSandbox(options);
  const info = sandbox.info();
  process.stdout.write(`${JSON.stringify(info)}\n${humanText(info)}\n`);
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  const message =
    error instanceof SandboxConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`alipay-sandbox: ${message}\n`);
  process.exit(1);
});
