// SyncLine.tsx: the line above every tab saying how current the phone's copy
// is — syncing, offline, or when it last synced — how many writes wait to be
// sent, and a banner when one of them waits for the user instead.
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useOutbox, useSyncStatus } from '../data';
import { useFormats } from '../lib/format';

export function SyncLine() {
  const { t } = useTranslation();
  const status = useSyncStatus();
  const outbox = useOutbox();
  const f = useFormats();
  const pending = outbox?.length ?? 0;
  const attention = outbox?.filter((o) => o.state !== 'pending').length ?? 0;

  const state =
    status.state === 'syncing'
      ? status.received > 0
        ? t('sync.received', { count: status.received })
        : t('sync.syncing')
      : status.state === 'offline'
        ? t('sync.offline')
        : status.state === 'error'
          ? t('sync.error')
          : null;
  const when = status.synced_at ? t('sync.syncedAt', { time: f.moment(status.synced_at) }) : t('sync.never');

  return (
    <div className="sync">
      <div className={`sync-line sync-${status.state}`} role="status">
        <span className="sync-state">
          {state && <strong>{state}</strong>}
          {state && ' · '}
          {when}
        </span>
        {pending > 0 && (
          <Link to="/outbox" className="sync-pending">
            {t('sync.pending', { count: pending })}
          </Link>
        )}
      </div>
      {attention > 0 && (
        <div className="sync-attention" role="alert">
          <span>{t('sync.attention', { count: attention })}</span>
          <Link to="/outbox">{t('sync.attentionLink')}</Link>
        </div>
      )}
    </div>
  );
}
