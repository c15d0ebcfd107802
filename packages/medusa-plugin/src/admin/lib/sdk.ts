import Medusa from '@medusajs/js-sdk';

// Replaced by the shop's dashboard build (Vite `define`) with its admin settings — the same globals
// Medusa's own admin plugins (e.g. @medusajs/draft-order) use, so `admin.backendUrl` is honoured.
declare const __BACKEND_URL__: string | undefined;
declare const __AUTH_TYPE__: 'session' | 'jwt' | undefined;
declare const __JWT_TOKEN_STORAGE_KEY__: string | undefined;

/** JS SDK client for the admin extension, authenticated like the dashboard itself. */
export const sdk = new Medusa({
  baseUrl: (typeof __BACKEND_URL__ !== 'undefined' && __BACKEND_URL__) || '/',
  auth: {
    type: (typeof __AUTH_TYPE__ !== 'undefined' && __AUTH_TYPE__) || 'session',
    jwtTokenStorageKey:
      (typeof __JWT_TOKEN_STORAGE_KEY__ !== 'undefined' && __JWT_TOKEN_STORAGE_KEY__) || undefined,
  },
});

/** The message of an error thrown by `sdk.client.fetch` (the API's bilingual `message`), for toasts. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
