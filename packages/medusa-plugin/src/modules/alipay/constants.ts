/** Registration name of the plugin's module: `container.resolve(ALIPAY_MODULE)`, `dependencies: ["alipay"]`. */
export const ALIPAY_MODULE = 'alipay';
