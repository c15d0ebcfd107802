import { Module } from '@medusajs/framework/utils';
import { ALIPAY_SETTINGS_MODULE } from './constants';
import AlipaySettingsModuleService from './service';

export default Module(ALIPAY_SETTINGS_MODULE, {
  service: AlipaySettingsModuleService,
});

export { ALIPAY_SETTINGS_MODULE, AlipaySettingsModuleService };
