import { ModuleProvider, Modules } from '@medusajs/framework/utils';
import AlipayProviderService from './service';

/**
 * Payment module provider entry: `resolve: "@alipay-commerce/medusa/providers/alipay"`, `id: "alipay"`
 * registers the provider as `pp_alipay_alipay`.
 */
export default ModuleProvider(Modules.PAYMENT, {
  services: [AlipayProviderService],
});

export { AlipayProviderService };
