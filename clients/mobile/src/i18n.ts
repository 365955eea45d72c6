// i18n.ts: Chinese and English; the choice is kept on the phone, the
// phone's own language the default.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en, zh } from './locales';

export const LANGUAGES = ['zh-CN', 'en-US'] as const;
export type Language = (typeof LANGUAGES)[number];

const KEY = 'crm.mobile.language';

function initial(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved === 'zh-CN' || saved === 'en-US') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US';
}

void i18next.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zh }, 'en-US': { translation: en } },
  lng: initial(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
});

i18next.on('languageChanged', (lng) => {
  localStorage.setItem(KEY, lng);
  document.documentElement.lang = lng;
});
document.documentElement.lang = i18next.language;

export default i18next;
