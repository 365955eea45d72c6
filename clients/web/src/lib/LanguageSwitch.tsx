// LanguageSwitch.tsx: 中文 | English, the same control on every screen.
import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Language } from './i18n';

export function LanguageSwitch({ size }: { size?: 'small' | 'middle' }) {
  const { t, i18n } = useTranslation();
  return (
    <Segmented<Language>
      aria-label={t('common:language.label')}
      size={size}
      value={i18n.language as Language}
      onChange={setLanguage}
      options={LANGUAGES.map((l) => ({ value: l, label: t(`common:language.${l}`) }))}
    />
  );
}
