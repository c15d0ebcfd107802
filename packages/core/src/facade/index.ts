/**
 * The facade adapters use: {@link createAlipay} builds one {@link Alipay} for a merchant of either
 * generation (legacy, OpenAPI or Antom). The generation-independent part (types, notification checks, closing) is in `base.ts`
 * and `types.ts`; each generation's calls are in `legacy.ts`, `openapi.ts` and `antom.ts`.
 *
 * @packageDocumentation
 */
import type { AlipayConfig } from '../config';
import { parseAlipayConfig } from '../config';
import { AntomAlipay } from './antom';
import { LegacyAlipay } from './legacy';
import { OpenApiAlipay } from './openapi';
import type { Alipay, AlipayOptions } from './types';

export { checkEvent } from './base';
export type * from './types';

/**
 * Creates the facade adapters use, from a config of either generation (validated again here, so an
 * invalid config fails fast with an `AlipayConfigError` naming the fields).
 */
export function createAlipay(
  config: AlipayConfig | Record<string, unknown>,
  options: AlipayOptions = {},
): Alipay {
  const parsed = parseAlipayConfig(config);
  if (parsed.generation === 'antom') return new AntomAlipay(parsed, options);
  return parsed.generation === 'legacy'
    ? new LegacyAlipay(parsed, options)
    : new OpenApiAlipay(parsed, options);
}
