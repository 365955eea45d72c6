import type { FeatureTexts } from '../../lib/i18n';

const texts: FeatureTexts = {
  'zh-CN': { title: '登录', tenant: '组织代码', email: '邮箱', password: '密码', submit: '登录' },
  en: { title: 'Sign in', tenant: 'Organization', email: 'Email', password: 'Password', submit: 'Sign in' },
};
export default texts;
