/**
 * What this example shop adds to Vendure besides the Alipay plugin: telling physical goods (shipped
 * by courier) from virtual ones (e-books, courses) by the product facet `kind:digital`. Shipping
 * methods use it to be offered only where they make sense, and the Alipay plugin's `goodsType`
 * option uses it so that legacy escrow trades of virtual goods carry no logistics.
 */
import {
  type ID,
  type Injector,
  LanguageCode,
  type Order,
  PluginCommonModule,
  ProductVariant,
  type RequestContext,
  type RuntimeVendureConfig,
  ShippingEligibilityChecker,
  TransactionalConnection,
  VendurePlugin,
} from '@vendure/core';

/** Physical goods are shipped; virtual goods are delivered online. */
export type GoodsKind = 'physical' | 'virtual';

/** The facet (code `kind`) and value (code `digital`) that mark a product or variant as virtual. */
export const DIGITAL_FACET = { facet: 'kind', value: 'digital' } as const;

/** Set when Vendure starts (the checker's `init`, the plugin's bootstrap); read by the functions below. */
let connection: TransactionalConnection | undefined;

function connectionOrFail(): TransactionalConnection {
  if (!connection) throw new Error('ExampleShopPlugin is not initialised yet');
  return connection;
}

/** Whether these variants are all virtual goods (then the order needs no courier). */
export async function goodsKindOfVariants(ctx: RequestContext, variantIds: ID[]): Promise<GoodsKind> {
  if (variantIds.length === 0) return 'physical';
  const variants = await connectionOrFail()
    .getRepository(ctx, ProductVariant)
    .createQueryBuilder('variant')
    .leftJoinAndSelect('variant.facetValues', 'variantFacetValue')
    .leftJoinAndSelect('variantFacetValue.facet', 'variantFacet')
    .leftJoinAndSelect('variant.product', 'product')
    .leftJoinAndSelect('product.facetValues', 'productFacetValue')
    .leftJoinAndSelect('productFacetValue.facet', 'productFacet')
    .whereInIds(variantIds)
    .getMany();
  const isDigital = (variant: ProductVariant) =>
    [...variant.facetValues, ...(variant.product?.facetValues ?? [])].some(
      value => value.code === DIGITAL_FACET.value && value.facet?.code === DIGITAL_FACET.facet,
    );
  return variants.length > 0 && variants.every(isDigital) ? 'virtual' : 'physical';
}

/** The kind of goods of an order: virtual only when every line is. */
export function goodsKindOfOrder(ctx: RequestContext, order: Order): Promise<GoodsKind> {
  return goodsKindOfVariants(
    ctx,
    (order.lines ?? []).map(line => line.productVariantId),
  );
}

/** The Alipay plugin's `goodsType` option. */
export const goodsTypeOfOrder = (ctx: RequestContext, order: Order): Promise<GoodsKind> =>
  goodsKindOfOrder(ctx, order);

/**
 * Offers a shipping method to orders of one kind of goods: the courier to orders with anything
 * physical in them, the online delivery to orders of virtual goods only.
 */
export const goodsKindEligibilityChecker = new ShippingEligibilityChecker({
  code: 'goods-kind',
  description: [
    { languageCode: LanguageCode.en, value: 'Offered for physical or for virtual goods' },
    { languageCode: LanguageCode.zh_Hans, value: '按实物或虚拟商品提供' },
  ],
  args: {
    goods: {
      type: 'string',
      defaultValue: 'physical',
      label: [
        { languageCode: LanguageCode.en, value: 'Goods' },
        { languageCode: LanguageCode.zh_Hans, value: '商品类型' },
      ],
      ui: {
        component: 'select-form-input',
        options: [
          {
            value: 'physical',
            label: [
              { languageCode: LanguageCode.en, value: 'Physical goods (shipped)' },
              { languageCode: LanguageCode.zh_Hans, value: '实物商品（发货）' },
            ],
          },
          {
            value: 'virtual',
            label: [
              { languageCode: LanguageCode.en, value: 'Virtual goods only (delivered online)' },
              { languageCode: LanguageCode.zh_Hans, value: '仅虚拟商品（在线交付）' },
            ],
          },
        ],
      },
    },
  },
  init(injector: Injector) {
    connection = injector.get(TransactionalConnection);
  },
  async check(ctx, order, args) {
    return (await goodsKindOfOrder(ctx, order)) === args.goods;
  },
});

/**
 * Registers the shipping eligibility checker and keeps a connection for `goodsType` (Nest calls
 * `onApplicationBootstrap` on every provider and plugin that has one).
 */
@VendurePlugin({
  imports: [PluginCommonModule],
  configuration: (config: RuntimeVendureConfig) => {
    config.shippingOptions.shippingEligibilityCheckers.push(goodsKindEligibilityChecker);
    return config;
  },
  compatibility: '^3.0.0',
})
export class ExampleShopPlugin {
  constructor(private readonly transactionalConnection: TransactionalConnection) {}

  onApplicationBootstrap(): void {
    connection = this.transactionalConnection;
  }
}
