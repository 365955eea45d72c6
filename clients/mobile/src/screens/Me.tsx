// Me.tsx: my figures of this month (as last read from the server, and when),
// syncing by hand, the language, and signing out — with a warning when the
// outbox still holds writes that signing out would lose.
import { Button, Dialog, List, Toast } from 'antd-mobile';
import { useTranslation } from 'react-i18next';
import { Choices } from '../components/Choices';
import { signOut, syncer, useFigures, useMe, useOutbox, useSyncStatus, type Figures } from '../data';
import { Screen } from '../components/Screen';
import { LANGUAGES, type Language } from '../i18n';
import { useFormats } from '../lib/format';

type Figure = 'new_customers' | 'contact_records' | 'visits' | 'quotations_sent' | 'quotations_accepted' | 'contracts_signed';
const COUNTS: Figure[] = ['new_customers', 'contact_records', 'visits', 'quotations_sent', 'quotations_accepted', 'contracts_signed'];

export function Me() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const figures = useFigures();
  const outbox = useOutbox();
  const status = useSyncStatus();
  const f = useFormats();
  const report: Figures | undefined = figures?.report;
  const row = report?.data.find((r) => 'owner_id' in r && r.owner_id === me?.user.id) ?? report?.data[0];

  const leave = async () => {
    const waiting = outbox?.length ?? 0;
    const ok = await Dialog.confirm({
      content: waiting > 0 ? t('me.signOutWarn', { count: waiting }) : t('me.signOutConfirm'),
      confirmText: <span className="dialog-danger">{waiting > 0 ? t('me.signOutAnyway') : t('me.signOut')}</span>,
      cancelText: t('action.cancel'),
    });
    if (ok) await signOut();
  };

  const syncNow = async () => {
    await syncer.syncNow();
    const s = syncer.getSnapshot();
    Toast.show({ content: s.state === 'idle' ? t('sync.syncedAt', { time: f.moment(s.synced_at ?? new Date().toISOString()) }) : t(`sync.${s.state === 'syncing' ? 'syncing' : s.state}`), position: 'bottom' });
  };

  return (
    <Screen title={t('me.title')}>
      {me && (
        <div className="me-head">
          <p className="me-name">{me.user.name}</p>
          <p className="me-org">
            {me.tenant.name} · {me.user.email}
          </p>
        </div>
      )}
      <section aria-labelledby="figures-title">
        <List
          header={
            <h2 id="figures-title" className="list-title">
              {t('me.figures')}
            </h2>
          }
        >
          {!row ? (
            <List.Item>{t('me.notRead')}</List.Item>
          ) : (
            <>
              {COUNTS.map((k) => (
                <List.Item key={k} extra={<span className="figure">{row[k]}</span>}>
                  {t(`me.figure.${k}`)}
                </List.Item>
              ))}
              <List.Item extra={<span className="figure money">{f.money(row.contract_amount, report!.currency)}</span>}>{t('me.figure.contract_amount')}</List.Item>
            </>
          )}
        </List>
        {figures && <p className="note">{t('me.readAt', { time: f.moment(figures.at) })}</p>}
      </section>
      <section aria-labelledby="sync-title">
        <List header={<h2 id="sync-title" className="list-title">{t('me.sync')}</h2>}>
          <List.Item
            description={status.synced_at ? t('sync.syncedAt', { time: f.moment(status.synced_at) }) : t('sync.never')}
            extra={
              <Button size="small" color="primary" fill="outline" loading={status.state === 'syncing'} onClick={() => void syncNow()}>
                {t('me.syncNow')}
              </Button>
            }
          >
            {status.state === 'offline'
              ? t('sync.offline')
              : status.state === 'error'
                ? t('sync.error')
                : outbox?.length
                  ? t('sync.pending', { count: outbox.length })
                  : t('outbox.empty')}
          </List.Item>
        </List>
      </section>
      <section aria-labelledby="language-title">
        <List header={<h2 id="language-title" className="list-title">{t('me.language')}</h2>}>
          <List.Item>
            <Choices<Language>
              aria-label={t('me.language')}
              columns={2}
              options={LANGUAGES.map((l) => ({ label: t(`language.${l}`), value: l }))}
              value={[i18n.language as Language]}
              onChange={(v) => v[0] && void i18n.changeLanguage(v[0])}
            />
          </List.Item>
        </List>
      </section>
      <div className="form-footer">
        <Button block color="danger" fill="outline" size="large" onClick={() => void leave()}>
          {t('me.signOut')}
        </Button>
      </div>
    </Screen>
  );
}
