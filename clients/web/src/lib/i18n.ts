// i18n.ts: the app's own texts in zh-CN and en. Each feature keeps its texts
// beside its screens in `features/<name>/locales.ts` (one namespace per
// feature, named after its folder); `common` holds what every screen shares.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { common } from './locales';

export type Language = 'zh-CN' | 'en';
export const LANGUAGES: Language[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'crm.language';

/** What a feature's locales.ts exports: the same keys in both languages. */
export interface FeatureTexts {
  'zh-CN': Record<string, unknown>;
  en: Record<string, unknown>;
}

const modules = import.meta.glob<{ default: FeatureTexts }>('../features/*/locales.ts', { eager: true });

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const resources: Record<Language, Record<string, Record<string, unknown>>> = {
  'zh-CN': { common: common['zh-CN'] },
  en: { common: common.en },
};
for (const [path, mod] of Object.entries(modules)) {
  const ns = /features\/([^/]+)\/locales\.ts$/.exec(path)?.[1];
  if (!ns) continue;
  resources['zh-CN'][ns] = mod.default['zh-CN'];
  resources.en[ns] = mod.default.en;
}

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: 'en',
  defaultNS: 'common',
  ns: Object.keys(resources.en),
  interpolation: { escapeValue: false },
  returnNull: false,
});

document.documentElement.lang = i18n.language;

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18n.changeLanguage(language);
}

export default i18n;
