import type { FeatureTexts } from '../../lib/i18n';

const texts: FeatureTexts = {
  'zh-CN': { title: '工作台' },
  en: { title: 'Dashboard' },
};
export default texts;
