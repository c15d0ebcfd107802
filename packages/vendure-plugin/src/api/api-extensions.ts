import type { DocumentNode } from 'graphql';
import { gql } from 'graphql-tag';

/**
 * Shop API additions. `createAlipayPaymentIntent` starts an Alipay payment for the active order and
 * tells the storefront how to present it; the order itself is only paid once Alipay's verified
 * notification (or a status sync) says so. `syncAlipayPaymentStatus` lets the return page pull
 * the status when the notification has not arrived yet.
 *
 * `AlipayPaymentIntentError` implements `ErrorResult`, so Vendure adds
 * `ALIPAY_PAYMENT_INTENT_ERROR` to the `ErrorCode` enum.
 */
export const shopApiExtensions: DocumentNode = gql`
  enum AlipayDevice {
    desktop
    mobile
  }

  input AlipayPaymentIntentInput {
    paymentMethodCode: String!
    device: AlipayDevice
  }

  type AlipayRedirect {
    url: String!
    outTradeNo: String!
  }

  type AlipayForm {
    html: String!
    outTradeNo: String!
  }

  type AlipayQrCode {
    qrCode: String!
    expiresAt: DateTime!
    outTradeNo: String!
  }

  type AlipayPaymentIntentError implements ErrorResult {
    errorCode: ErrorCode!
    message: String!
    hint: String
  }

  union AlipayPaymentIntentResult = AlipayRedirect | AlipayForm | AlipayQrCode | AlipayPaymentIntentError

  extend type Mutation {
    createAlipayPaymentIntent(input: AlipayPaymentIntentInput!): AlipayPaymentIntentResult!
    syncAlipayPaymentStatus(orderCode: String!): Order
  }
`;
