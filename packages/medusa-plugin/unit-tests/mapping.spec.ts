import {
  INTERFACE_TYPE_LABELS as CORE_LABELS,
  INTERFACE_TYPES as CORE_TYPES,
  SECRET_SETTINGS,
} from '@alipay-commerce/core';
import type { ConfigModule } from '@medusajs/framework/types';
import { PaymentSessionStatus } from '@medusajs/framework/utils';
import { toSessionStatus } from '../src/providers/alipay/status';
import {
  alipayProviderIds,
  alipayProviderOptions,
  notifyUrlFor,
  returnUrlFor,
} from '../src/settings/provider-options';
import { INTERFACE_TYPE_LABELS, INTERFACE_TYPES, SECRET_FIELDS } from '../src/shared/settings-fields';
import { carrierOf } from '../src/shipments/shipment-confirmation';
import { amountToFen, fenToAmount } from '../src/trades/money';

describe('toSessionStatus (the one status mapping)', () => {
  it('maps every core trade status as the README table says', () => {
    expect({
      none: toSessionStatus(null),
      waiting_payment: toSessionStatus('waiting_payment'),
      paid_awaiting_shipment: toSessionStatus('paid_awaiting_shipment'),
      shipped_awaiting_receipt: toSessionStatus('shipped_awaiting_receipt'),
      paid: toSessionStatus('paid'),
      finished: toSessionStatus('finished'),
      closed: toSessionStatus('closed'),
    }).toEqual({
      none: PaymentSessionStatus.PENDING,
      waiting_payment: PaymentSessionStatus.PENDING,
      paid_awaiting_shipment: PaymentSessionStatus.AUTHORIZED,
      shipped_awaiting_receipt: PaymentSessionStatus.AUTHORIZED,
      paid: PaymentSessionStatus.CAPTURED,
      finished: PaymentSessionStatus.CAPTURED,
      closed: PaymentSessionStatus.CANCELED,
    });
  });
});

describe('money at the Medusa edge', () => {
  it('converts Medusa major units to fen through decimal text, never floats', () => {
    expect(amountToFen(35)).toBe(3500);
    expect(amountToFen('0.1')).toBe(10);
    // 0.1 + 0.2 in floating point is 0.30000000000000004: fixed to fen, it is 30.
    expect(amountToFen({ value: '0.30000000000000004', precision: 20 })).toBe(30);
    expect(amountToFen('100000000')).toBe(10_000_000_000);
    expect(fenToAmount(1)).toBe('0.01');
    expect(fenToAmount(123456)).toBe('1234.56');
  });

  it('refuses what Alipay cannot charge', () => {
    expect(() => amountToFen(0)).toThrow(/0\.01 – 100000000\.00/);
    expect(() => amountToFen('100000000.01')).toThrow();
    expect(() => amountToFen(-5)).toThrow();
    expect(amountToFen(0, { allowZero: true })).toBe(0);
  });
});

describe('provider options outside the payment module', () => {
  const configModule = {
    modules: {
      payment: {
        resolve: '@medusajs/medusa/payment',
        options: {
          providers: [
            { resolve: '@medusajs/payment-stripe', id: 'alipay', options: { apiKey: 'sk' } },
            {
              resolve: '@alipay-commerce/medusa/providers/alipay',
              id: 'alipay',
              options: {
                backendUrl: 'https://api.shop.example/',
                storefrontReturnUrl: 'https://shop.example/',
              },
            },
          ],
        },
      },
    },
  } as unknown as ConfigModule;

  it('finds the Alipay entry by ID even when another provider shares the ID', () => {
    expect(alipayProviderIds(configModule)).toEqual(['pp_alipay_alipay']);
    const options = alipayProviderOptions(configModule, 'alipay_alipay');
    expect(options.backendUrl).toBe('https://api.shop.example/');
    expect(notifyUrlFor(options, 'alipay_alipay')).toBe(
      'https://api.shop.example/hooks/alipay/notify/pp_alipay_alipay',
    );
    expect(returnUrlFor(options, 'pp_alipay_alipay')).toBe(
      'https://api.shop.example/hooks/alipay/return/pp_alipay_alipay',
    );
    expect(() => alipayProviderOptions(configModule, 'pp_alipay_other')).toThrow(
      /No Alipay payment provider/,
    );
  });
});

describe('escrow shipment confirmation', () => {
  it('names the carrier from the fulfillment metadata, else the shipping option', () => {
    expect(
      carrierOf({
        id: 'f',
        metadata: { alipay_carrier: ' 中通快递 ' },
        shipping_option: { name: 'Express' },
      }),
    ).toBe('中通快递');
    expect(carrierOf({ id: 'f', metadata: null, shipping_option: { name: '顺丰速运' } })).toBe('顺丰速运');
    expect(carrierOf({ id: 'f', provider_id: 'manual_manual' })).toBe('manual_manual');
  });
});

describe('shared constants for the admin bundle', () => {
  it('are the core’s, from its browser-safe entry (equal to the main entry’s)', () => {
    expect(INTERFACE_TYPES).toEqual(CORE_TYPES);
    expect(INTERFACE_TYPE_LABELS).toEqual(CORE_LABELS);
    expect(SECRET_FIELDS).toEqual(SECRET_SETTINGS);
    expect(Object.keys(INTERFACE_TYPE_LABELS)).toEqual([...INTERFACE_TYPES]);
  });
});
