/**
 * Kept only for `alipay.handler.ts`, which is being changed in parallel: the helpers that lived here now
 * have homes by role (`alipay-log.ts`, `alipay-method-args.ts`, the core's `logSafe` / `describeError`…).
 * Point the handler's import at `./alipay-log` and delete this file.
 */
export { describeTrade, type TradeLabel } from './alipay-log';
