import type { EnZhText } from '@alipay-commerce/core/settings';
import { useUserSettings } from '@vendure/dashboard';

/** The admin's display language as the extension's texts know it: Chinese (简体/繁體) or English. */
export type AdminLanguage = keyof EnZhText;

/**
 * The language the Dashboard is displayed in (Settings → language; `zh_Hans`, `zh_Hant` → `zh`,
 * anything else → `en`): the extension's texts follow it, whatever the content language is.
 */
export function useAdminLanguage(): AdminLanguage {
  const { settings } = useUserSettings();
  return settings.displayLanguage?.startsWith('zh') ? 'zh' : 'en';
}

/** A bilingual text in the admin's language. */
export function inLanguage(text: EnZhText, language: AdminLanguage): string {
  return text[language];
}
