import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';

/**
 * `POST /admin/alipay/settings/test-credentials`: will check the saved credentials against Alipay (not
 * `.../settings/test`: `medusa plugin:build` drops every path with a `test` segment). Until the
 * payment logic is wired it answers 501 so the admin page can say so instead of pretending.
 */
export const POST = async (_req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  res.status(501).json({
    type: 'not_implemented',
    message:
      'Testing credentials is wired in the next phase of @alipay-commerce/medusa; nothing was sent to Alipay. / ' +
      '凭据测试将在下一阶段接入；本次没有向支付宝发送任何请求。',
  });
};
