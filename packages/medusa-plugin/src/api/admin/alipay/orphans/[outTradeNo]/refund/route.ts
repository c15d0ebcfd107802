import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { MedusaError } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from '../../../../../../modules/alipay/constants';
import type AlipayModuleService from '../../../../../../modules/alipay/service';
import { refundOrphanPayment } from '../../../../../../refunds/orphan-refunds';
import { refundView } from '../../../../../../refunds/refund-view';
import { alipayRuntime } from '../../../../../../settings/runtime';

/**
 * `POST /admin/alipay/orphans/:outTradeNo/refund`: refunds an orphan payment (the button on Settings →
 * Alipay). Idempotent: while the orphan has a refund that succeeded or is still open, that refund is
 * returned (`created: false`) and nothing is sent; after a refused one a new refund is sent. Answers
 * `{ refund, created }`; 404 for no such orphan, 400 when nothing is left to refund or another refund of
 * the trade is in flight, with the reason in English and Chinese.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const outTradeNo = String(req.params.outTradeNo ?? '');
  const settings = req.scope.resolve<AlipayModuleService>(ALIPAY_MODULE);
  const trade = outTradeNo ? await settings.getVerifiedTrade(outTradeNo) : null;
  if (!trade?.orphan_reason) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No orphan payment with out_trade_no ${outTradeNo}. / 没有商户订单号为 ${outTradeNo} 的无法关联付款。`,
    );
  }
  const { refund, created } = await refundOrphanPayment(
    alipayRuntime(req.scope, trade.provider_id),
    outTradeNo,
  );
  res.json({ refund: refundView(refund), created });
};
