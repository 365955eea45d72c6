// RecordContact.tsx: a call, visit, WeChat message or email in three taps plus
// the text — how, what was said, when to follow up — and for a visit the
// check-in: the phone's position, its accuracy and the distance to the customer.
import { Button, DatePicker, Form, TextArea, Toast } from 'antd-mobile';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Choices } from '../components/Choices';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { currentPosition, distanceMetres, PositionError, recordContact, useContacts, useCustomer, type CheckIn, type ContactRecordInput } from '../data';
import { Empty, Loading, Screen } from '../components/Screen';
import { dayOfChoice, dayOfPicked, morningOf, type NextChoice } from '../lib/dates';
import { useFormats } from '../lib/format';
import { problemMessage } from '../lib/problem';
import { savedText } from '../lib/saved';

type Kind = 'call' | 'visit' | 'im' | 'email';
const KINDS: Kind[] = ['call', 'visit', 'im', 'email'];
type Next = 'none' | NextChoice | 'pick';

type Position =
  | { phase: 'idle' }
  | { phase: 'locating' }
  | { phase: 'located'; at: NonNullable<CheckIn> }
  | { phase: 'failed'; reason: PositionError['reason'] };

export function RecordContact() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const f = useFormats();
  const customer = useCustomer(id);
  const contacts = useContacts(id);
  const asked = params.get('kind');
  const [kind, setKind] = useState<Kind>(KINDS.includes(asked as Kind) ? (asked as Kind) : 'call');
  const [contact, setContact] = useState<string | null>(null);
  const [form] = Form.useForm<{ summary?: string }>();
  const [next, setNext] = useState<Next>('none');
  const [picked, setPicked] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [position, setPosition] = useState<Position>({ phase: 'idle' });
  const [busy, setBusy] = useState(false);
  const autoChecked = useRef(false);

  const locate = async () => {
    setPosition({ phase: 'locating' });
    try {
      setPosition({ phase: 'located', at: await currentPosition() });
    } catch (e) {
      setPosition({ phase: 'failed', reason: e instanceof PositionError ? e.reason : 'unavailable' });
    }
  };

  // "Check in" on the customer page opens this screen locating at once.
  useEffect(() => {
    if (params.get('check_in') === '1' && !autoChecked.current) {
      autoChecked.current = true;
      void locate();
    }
  }, [params]);

  if (customer === undefined) return <Screen title={t('record.title')} back="/customers"><Loading /></Screen>;
  if (customer === null) {
    return (
      <Screen title={t('record.title')} back="/customers">
        <Empty text={t('customer.notFound')} hint={t('customer.notFoundHint')} />
      </Screen>
    );
  }

  const nextDay = next === 'none' ? null : next === 'pick' ? picked : dayOfChoice(next, f.timeZone);
  const located = position.phase === 'located' ? position.at : null;

  const save = async () => {
    setBusy(true);
    try {
      const input: ContactRecordInput & { customer_id: string } = {
        customer_id: customer.id,
        kind,
        // When it happened, not when the network came back.
        occurred_at: new Date().toISOString(),
        contact_id: contact,
        summary: (form.getFieldValue('summary') as string | undefined)?.trim() || null,
        next_contact_at: nextDay ? morningOf(nextDay, f.timeZone) : null,
      };
      if (kind === 'visit' && located) input.location = located;
      await recordContact(input);
      Toast.show({ content: savedText(t, 'record.saved'), position: 'bottom' });
      navigate(`/customers/${customer.id}`, { replace: true });
    } catch (e) {
      Toast.show({ content: problemMessage(t, e, i18n.language), icon: 'fail' });
      setBusy(false);
    }
  };

  const positionText = () => {
    switch (position.phase) {
      case 'idle':
        return null;
      case 'locating':
        return t('record.locating');
      case 'failed':
        return t(`record.positionFailed.${position.reason}`);
      case 'located': {
        const lines = [
          position.at.accuracy_m != null ? t('record.located', { accuracy: Math.round(position.at.accuracy_m) }) : t('record.locatedNoAccuracy'),
          customer.location
            ? t('record.distance', { distance: f.distance(distanceMetres(position.at, customer.location)) })
            : t('record.noCustomerLocation'),
        ];
        return lines.join('，');
      }
    }
  };

  return (
    <Screen title={t('record.title')} back={`/customers/${customer.id}`}>
      <p className="record-for">{customer.name}</p>
      <Form form={form} name="record" layout="vertical" mode="card">
        <Form.Item label={t('record.kind')}>
          <Choices<Kind>
            aria-label={t('record.kind')}
            columns={4}
            options={KINDS.map((k) => ({ label: t(`record.kinds.${k}`), value: k }))}
            value={[kind]}
            onChange={(v) => v[0] && setKind(v[0])}
          />
        </Form.Item>
        {kind === 'visit' && (
          <Form.Item label={t('record.checkIn')}>
            <div className="check-in">
              <Button size="small" color="primary" fill="outline" loading={position.phase === 'locating'} onClick={() => void locate()}>
                {position.phase === 'located' || position.phase === 'failed' ? t('record.checkInAgain') : t('record.checkIn')}
              </Button>
              <p className={`check-in-state check-in-${position.phase}`} role="status">
                {positionText()}
              </p>
            </div>
          </Form.Item>
        )}
        {contacts && contacts.length > 0 && (
          <Form.Item label={t('record.contact')}>
            <Choices<string>
              aria-label={t('record.contact')}
              columns={2}
              options={contacts.map((c) => ({ label: c.name, value: c.id }))}
              value={contact ? [contact] : []}
              onChange={(v) => setContact(v[0] ?? null)}
            />
          </Form.Item>
        )}
        <Form.Item name="summary" label={t('record.summary')}>
          <TextArea placeholder={t('record.summaryPlaceholder')} autoSize={{ minRows: 3, maxRows: 8 }} />
        </Form.Item>
        <Form.Item label={t('record.next')} description={nextDay ? t('record.nextOn', { date: f.date(nextDay) }) : undefined}>
          <Choices<Next>
            aria-label={t('record.next')}
            columns={3}
            options={(['none', 'tomorrow', 'in3', 'nextWeek', 'pick'] as Next[]).map((n) => ({
              label: n === 'pick' && picked ? f.date(picked) : t(`record.nextChoice.${n}`),
              value: n,
            }))}
            value={[next]}
            onChange={(v) => {
              const choice = v[0] ?? 'none';
              setNext(choice);
              if (choice === 'pick') setPicking(true);
            }}
          />
          <DatePicker
            title={t('record.pickTitle')}
            visible={picking}
            min={new Date()}
            max={new Date(Date.now() + 2 * 365 * 86_400_000)}
            onClose={() => setPicking(false)}
            onConfirm={(d) => {
              setPicked(dayOfPicked(d));
              setNext('pick');
            }}
            onCancel={() => !picked && setNext('none')}
          />
        </Form.Item>
      </Form>
      <div className="form-footer">
        <Button block color="primary" size="large" loading={busy} onClick={() => void save()}>
          {t('action.save')}
        </Button>
      </div>
    </Screen>
  );
}
