// Screen.tsx: the frame of one screen — a navigation bar with its title (the
// page's heading) and, below the tabs' own screens, a way back — and the row
// that opens another screen.
import { List, NavBar, SpinLoading } from 'antd-mobile';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { BackIcon } from './Icons';

interface ScreenProps {
  title: ReactNode;
  /** Where "back" goes when the app was opened on this screen (no history). */
  back?: string;
  right?: ReactNode;
  children: ReactNode;
}

export function Screen({ title, back, right, children }: ScreenProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const goBack = () => {
    if (location.key !== 'default' && window.history.length > 1) navigate(-1);
    else navigate(back ?? '/', { replace: true });
  };
  return (
    <>
      <NavBar
        className={back === undefined ? 'screen-bar no-back' : 'screen-bar'}
        back={back === undefined ? null : t('action.back')}
        backIcon={
          <>
            <BackIcon />
            <span className="sr-only">{t('action.back')}</span>
          </>
        }
        onBack={goBack}
        right={right}
      >
        <h1 className="screen-title">{title}</h1>
      </NavBar>
      <div className="screen-body">{children}</div>
    </>
  );
}

interface LinkItemProps {
  to: string;
  title: ReactNode;
  description?: ReactNode;
  extra?: ReactNode;
  prefix?: ReactNode;
}

/** A list row that opens `to`: a real link (named by `title`) covering the row. */
export function LinkItem({ to, title, description, extra, prefix }: LinkItemProps) {
  return (
    <List.Item className="link-item" arrow description={description} extra={extra} prefix={prefix}>
      <Link to={to} className="row-link">
        {title}
      </Link>
    </List.Item>
  );
}

/** A section's empty state: one sentence, and a hint when there is one. */
export function Empty({ text, hint }: { text: string; hint?: string }) {
  return (
    <div className="empty">
      <p className="empty-text">{text}</p>
      {hint && <p className="empty-hint">{hint}</p>}
    </div>
  );
}

/** A spinner while the phone's copy is read (a fraction of a second). */
export function Loading() {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-label={t('app.loading')}>
      <SpinLoading />
    </div>
  );
}
