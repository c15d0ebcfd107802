import { readFileSync } from 'node:fs';
import { diagnoseNotification } from './doctor';

const USAGE = `Usage: alipay-commerce doctor --config <settings.json> [--content-type <type>] < captured-notification.txt

Explains why an Alipay notification does not verify with your settings, offline.
  --config        JSON: a core config ({"generation": "legacy" | "openapi", ...}) or admin settings
                  ({"interfaceType": "legacy-direct", "partnerId": ..., "key": ...}). Secrets stay local.
  --content-type  The Content-Type header the notification came with (for its charset).
Input: the raw body Alipay POSTed (key=value&...), or a whole captured HTTP request (headers, blank line, body).

用法：alipay-commerce doctor --config <设置.json> [--content-type <类型>] < 捕获的通知.txt
离线说明支付宝通知为何无法用您的设置验签。`;

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Splits a captured HTTP request into its Content-Type and body; a bare body is returned as is. */
function splitCapture(input: Buffer): { body: Buffer; contentType: string | undefined } {
  const head = input.subarray(0, Math.min(input.length, 8192)).toString('latin1');
  if (!/^(POST|GET) \S+ HTTP\/\d/.test(head)) return { body: input, contentType: undefined };
  const separator = head.search(/\r?\n\r?\n/);
  if (separator < 0) return { body: Buffer.alloc(0), contentType: undefined };
  const headers = head.slice(0, separator);
  const contentType = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
  const bodyStart = separator + (head.slice(separator).startsWith('\r\n\r\n') ? 4 : 2);
  return { body: input.subarray(bodyStart), contentType };
}

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    return Buffer.alloc(0);
  }
}

/** Input and output of one CLI run (injectable so the CLI can be tested in-process). */
export interface CliIo {
  stdin: () => Buffer;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs `alipay-commerce <args>`; returns the exit code (0 verified, 1 not verified, 2 usage). */
export function runCli(
  argv: string[],
  io: CliIo = {
    stdin: readStdin,
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
  },
): number {
  const [command, ...args] = argv;
  if (command !== 'doctor' || args.includes('--help') || args.includes('-h')) {
    io.stderr(`${USAGE}\n`);
    return command === 'doctor' || command === undefined ? 0 : 2;
  }
  const configPath = argValue(args, '--config');
  if (!configPath) {
    io.stderr(`--config is required.\n\n${USAGE}\n`);
    return 2;
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    io.stderr(`Cannot read ${configPath}: ${(error as Error).message}\n`);
    return 2;
  }
  const capture = splitCapture(io.stdin());
  if (capture.body.length === 0) {
    io.stderr(`No notification on standard input.\n\n${USAGE}\n`);
    return 2;
  }
  const diagnosis = diagnoseNotification(capture.body, config, {
    contentType: argValue(args, '--content-type') ?? capture.contentType,
  });
  // Per-field variants are many; list them only when one explains the failure.
  const shown = diagnosis.findings.filter(x => x.passed || !x.id.startsWith('extra-field:'));
  const hidden = diagnosis.findings.length - shown.length;
  const lines = [
    diagnosis.verified ? '✔ verifies / 验签通过' : '✘ does not verify / 验签失败',
    '',
    diagnosis.summary.en,
    diagnosis.summary.zh,
    '',
    'Checks / 检查项:',
    ...shown.map(
      finding =>
        `  ${finding.passed ? '✔' : '·'} [${finding.id}] ${finding.message.en}\n      ${finding.message.zh}`,
    ),
    ...(hidden > 0
      ? [`  · ${hidden} more variants tried, none verified / 另有 ${hidden} 种变体均未通过`]
      : []),
  ];
  io.stdout(`${lines.join('\n')}\n`);
  return diagnosis.verified ? 0 : 1;
}
