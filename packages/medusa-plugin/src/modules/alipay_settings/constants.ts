/** Registration name of the settings module: `container.resolve(ALIPAY_SETTINGS_MODULE)`. */
export const ALIPAY_SETTINGS_MODULE = 'alipay_settings';
