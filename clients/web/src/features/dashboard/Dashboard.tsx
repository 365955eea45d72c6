import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export default function Dashboard() {
  const { t } = useTranslation('dashboard');
  return <Typography.Title level={1}>{t('title')}</Typography.Title>;
}
