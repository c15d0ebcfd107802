import { Module } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from './constants';
import AlipayModuleService from './service';

export default Module(ALIPAY_MODULE, {
  service: AlipayModuleService,
});

export { ALIPAY_MODULE, AlipayModuleService };
