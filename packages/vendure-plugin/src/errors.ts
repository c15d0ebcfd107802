/**
 * Thrown by the payment operations of {@link AlipayService} that this version of the plugin does not
 * perform yet (creating intents, processing notifications, settling, cancelling, refunding). They
 * are wired to the `@alipay-commerce/core` facade in the next phase; until then they fail loudly
 * rather than pretend to work.
 */
export class AlipayNotImplementedError extends Error {
  override readonly name = 'AlipayNotImplementedError';

  /** @param operation - the service method that was called, named in the message. */
  constructor(readonly operation: string) {
    super(`Alipay ${operation} is not implemented in this version of @alipay-commerce/vendure`);
  }
}
