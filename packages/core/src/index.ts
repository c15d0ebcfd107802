export * from './charset';
export * from './errors';
export * from './events';
export * from './http/form';
export * from './money';
export * from './sign/canonical';
export { cachedKeyCount, type KeyInput, toPrivateKey, toPublicKey } from './sign/keys';
export * from './sign/md5';
export * from './sign/rsa';
