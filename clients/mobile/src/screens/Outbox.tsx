// Outbox.tsx: every write not yet acknowledged by the server, and what the
// user decides for those that wait for them: a conflict with the office's
// change settled field by field, a duplicate created anyway or given up, a
// refused write corrected (the server's message next to the field) or given up.
import { Button, Card, Dialog, Form, Input, Radio, Space, Tag, Toast } from 'antd-mobile';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { confirmDuplicate, discard, resolveConflict, resubmit, useCustomer, useOutbox, type OutboxOp } from '../data';
import { Empty, Loading, Screen } from '../components/Screen';
import { useFormats } from '../lib/format';
import { fieldMessage, problemMessage, refusalMessage } from '../lib/problem';

type Row = Record<string, unknown>;

/** Members of a write that are ids or choices from a list, not texts. */
const FIXED = new Set(['id', 'customer_id', 'contact_id', 'status', 'kind', 'category', 'direction', 'occurred_at', 'next_contact_at', 'birthday']);

export function Outbox() {
  const { t } = useTranslation();
  const outbox = useOutbox();
  // Those that wait for the user first.
  const sorted = outbox && [...outbox.filter((o) => o.state !== 'pending'), ...outbox.filter((o) => o.state === 'pending')];
  return (
    <Screen title={t('outbox.title')}>
      {sorted === undefined ? (
        <Loading />
      ) : sorted.length === 0 ? (
        <Empty text={t('outbox.empty')} />
      ) : (
        <div className="outbox">
          {sorted.map((op) => (
            <Entry key={op.seq} op={op} />
          ))}
        </div>
      )}
    </Screen>
  );
}

/** The name a person knows the entry by. */
function useLabel(op: OutboxOp): string {
  const customer = useCustomer(op.customer_id || op.id);
  const body = op.body as Row;
  const own = typeof body.name === 'string' ? body.name : null;
  if (op.entity === 'customer') return own ?? customer?.name ?? '';
  return [own, customer?.name].filter(Boolean).join(' · ');
}

function Entry({ op }: { op: OutboxOp }) {
  const { t, i18n } = useTranslation();
  const f = useFormats();
  const label = useLabel(op);
  const [busy, setBusy] = useState(false);
  const kind = op.entity === 'contact_record' && typeof op.body.kind === 'string' ? ` · ${t(`record.kinds.${op.body.kind}`)}` : '';

  const act = async (fn: () => Promise<void>, done: string) => {
    setBusy(true);
    try {
      await fn();
      Toast.show({ content: done, position: 'bottom' });
    } catch (e) {
      Toast.show({ content: problemMessage(t, e, i18n.language), icon: 'fail' });
    } finally {
      setBusy(false);
    }
  };

  const giveUp = async () => {
    const ok = await Dialog.confirm({ content: t('outbox.discardConfirm'), confirmText: <span className="dialog-danger">{t('action.discard')}</span>, cancelText: t('action.cancel') });
    if (ok) await act(() => discard(op.seq!), t('outbox.discarded'));
  };

  const headingId = `outbox-${op.seq}`;
  return (
    <Card
      className={`outbox-entry outbox-${op.state}`}
      title={
        <h2 id={headingId} className="outbox-what">
          {t(`outbox.what.${op.op}.${op.entity}`)}
          {kind}
        </h2>
      }
      extra={
        <Tag color={op.state === 'pending' ? 'default' : 'danger'} fill="outline">
          {t(`outbox.state.${op.state}`)}
        </Tag>
      }
    >
      <section aria-labelledby={headingId}>
        <p className="outbox-label">
          {op.customer_id ? <Link to={`/customers/${op.customer_id}`}>{label || t('value.none')}</Link> : label}
        </p>
        <p className="outbox-meta">
          {t('outbox.madeAt', { time: f.moment(op.created_at) })}
          {op.attempts > 0 && ` · ${t('outbox.attempts', { count: op.attempts })}`}
        </p>
        {op.state === 'conflict' && <Conflict key={op.attempts} op={op} busy={busy} onResolve={(choices) => act(() => resolveConflict(op.seq!, choices), t('outbox.resolved'))} />}
        {op.state === 'duplicate' && (
          <div className="duplicate">
            <p>{t('outbox.duplicate.intro')}</p>
            <ul className="candidates">
              {op.attention?.candidates?.map((c) => (
                <li key={c.id}>
                  <strong>{c.name}</strong> <span>{t('outbox.duplicate.owner', { name: c.owner_name })}</span>
                </li>
              ))}
            </ul>
            <div className="decisions">
              <Button color="primary" loading={busy} onClick={() => void act(() => confirmDuplicate(op.seq!), t('outbox.resolved'))}>
                {t('outbox.duplicate.anyway')}
              </Button>
              <Button color="danger" fill="outline" disabled={busy} onClick={() => void giveUp()}>
                {t('action.discard')}
              </Button>
            </div>
          </div>
        )}
        {op.state === 'invalid' && (
          <Invalid key={op.attempts} op={op} busy={busy} onResubmit={(body) => act(() => resubmit(op.seq!, body), t('outbox.resolved'))} onDiscard={() => void giveUp()} />
        )}
        {(op.state === 'pending' || op.state === 'conflict') && (
          <div className="give-up">
            <Button size="small" color="danger" fill="none" disabled={busy} onClick={() => void giveUp()}>
              {t('action.discard')}
            </Button>
          </div>
        )}
      </section>
    </Card>
  );
}

/** A field's label, whatever the record (customer, contact person, contact record). */
function useFieldLabel(op: OutboxOp) {
  const { t } = useTranslation();
  return (field: string) => {
    const keys =
      op.entity === 'customer' ? [`customer.field.${field}`] : op.entity === 'contact' ? [`contact.field.${field}`] : [`record.${field}`, `customer.field.${field}`];
    for (const k of keys) {
      const text = t(k, { defaultValue: '' });
      if (text && typeof text === 'string') return text;
    }
    return field;
  };
}

function useShow() {
  const { t } = useTranslation();
  return (v: unknown): string => {
    if (v === null || v === undefined || v === '') return t('value.none');
    if (typeof v === 'boolean') return v ? t('value.yes') : t('value.no');
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    return JSON.stringify(v);
  };
}

function Conflict({ op, busy, onResolve }: { op: OutboxOp; busy: boolean; onResolve: (choices: Record<string, 'mine' | 'server'>) => Promise<void> }) {
  const { t } = useTranslation();
  const labelOf = useFieldLabel(op);
  const show = useShow();
  const fields = op.attention?.fields ?? [];
  const server = op.attention?.server ?? {};
  const [choices, setChoices] = useState<Record<string, 'mine' | 'server'>>(() => Object.fromEntries(fields.map((k) => [k, 'mine'])));
  const all = (choice: 'mine' | 'server') => Object.fromEntries(fields.map((k) => [k, choice]));
  return (
    <div className="conflict">
      <p>{t('outbox.conflict.intro')}</p>
      {fields.map((field) => (
        <fieldset key={field} className="conflict-field">
          <legend>{labelOf(field)}</legend>
          <Radio.Group value={choices[field]} onChange={(v) => setChoices({ ...choices, [field]: v as 'mine' | 'server' })}>
            <Space direction="vertical">
              <Radio value="server">{t('outbox.conflict.server', { value: show(server[field]) })}</Radio>
              <Radio value="mine">{t('outbox.conflict.mine', { value: show((op.body as Row)[field]) })}</Radio>
            </Space>
          </Radio.Group>
        </fieldset>
      ))}
      <div className="decisions">
        <Button className="wide" color="primary" loading={busy} onClick={() => void onResolve(choices)}>
          {t('outbox.conflict.apply')}
        </Button>
        <Button disabled={busy} onClick={() => void onResolve(all('mine'))}>
          {t('outbox.conflict.keepMine')}
        </Button>
        <Button disabled={busy} onClick={() => void onResolve(all('server'))}>
          {t('outbox.conflict.takeServer')}
        </Button>
      </div>
    </div>
  );
}

function Invalid({ op, busy, onResubmit, onDiscard }: { op: OutboxOp; busy: boolean; onResubmit: (body: Row) => Promise<void>; onDiscard: () => void }) {
  const { t, i18n } = useTranslation();
  const labelOf = useFieldLabel(op);
  const body = op.body as Row;
  const errors = op.attention?.field_errors ?? [];
  // The fields the server named first, then the other texts the write holds
  // (not the fixed choices such as a status, which are no text to correct).
  const fields = [
    ...new Set([
      ...errors.map((e) => e.field).filter((k) => k && !k.includes('.') && !k.includes('[')),
      ...Object.keys(body).filter((k) => !FIXED.has(k) && typeof body[k] === 'string' && body[k] !== ''),
    ]),
  ];
  const [form] = Form.useForm<Record<string, string>>();
  const initial = Object.fromEntries(fields.map((k) => [k, typeof body[k] === 'string' ? (body[k] as string) : '']));
  const errorOf = (k: string) => errors.filter((e) => e.field === k).map((e) => fieldMessage(t, e, i18n.language)).join('；');
  const elsewhere = errors.filter((e) => !fields.includes(e.field));

  const send = () => {
    const values = form.getFieldsValue() as Record<string, string | undefined>;
    const next: Row = { ...body };
    for (const k of fields) next[k] = (values[k] ?? '').trim() === '' ? null : (values[k] ?? '').trim();
    return onResubmit(next);
  };

  return (
    <div className="invalid">
      <p>{t('outbox.invalid.intro')}</p>
      <p className="problem" role="alert">
        {refusalMessage(t, op.attention?.status ?? 0, op.attention?.detail ?? '', i18n.language)}
        {elsewhere.map((e) => ` ${e.field}: ${fieldMessage(t, e, i18n.language)}`).join('')}
      </p>
      <Form form={form} layout="vertical" name={`fix-${op.seq}`} initialValues={initial}>
        {fields.map((k) => (
          <Form.Item
            key={k}
            name={k}
            label={labelOf(k)}
            description={errorOf(k) ? <span className="field-error">{errorOf(k)}</span> : undefined}
            className={errorOf(k) ? 'has-error' : undefined}
          >
            <Input />
          </Form.Item>
        ))}
      </Form>
      <div className="decisions">
        <Button color="primary" loading={busy} onClick={() => void send()}>
          {t('outbox.invalid.resubmit')}
        </Button>
        <Button color="danger" fill="outline" disabled={busy} onClick={onDiscard}>
          {t('action.discard')}
        </Button>
      </div>
    </div>
  );
}
