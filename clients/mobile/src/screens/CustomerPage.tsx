// CustomerPage.tsx: one customer as the phone knows it — how to reach them
// (tap to call, the address in the map app), their contact persons, the last
// contacts and open quotations — and what the salesperson does next.
import { Button, List, Tag } from 'antd-mobile';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { distanceMetres, mapLink, useContacts, useCustomer, useMoneyOf, useOpenQuotations, useOutbox, useOutboxOf, useRecords, type OutboxOp } from '../data';
import { OutboxMark } from '../components/OutboxMark';
import { Empty, Loading, Screen } from '../components/Screen';
import { useFormats } from '../lib/format';

export function CustomerPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const f = useFormats();
  const customer = useCustomer(id);
  const contacts = useContacts(id);
  const records = useRecords(id, 10);
  const quotations = useOpenQuotations(id);
  const money = useMoneyOf(id);
  const own = useOutboxOf(id);
  const outbox = useOutbox();
  // The entries of each contact person and contact record of this customer.
  const opsOf = useMemo(() => {
    const m = new Map<string, OutboxOp[]>();
    for (const o of outbox ?? []) if (o.customer_id === id && o.id !== id) m.set(o.id, [...(m.get(o.id) ?? []), o]);
    return m;
  }, [outbox, id]);

  if (customer === undefined) return <Screen title={t('app.loading')} back="/customers"><Loading /></Screen>;
  if (customer === null) {
    return (
      <Screen title={t('customer.notFound')} back="/customers">
        <Empty text={t('customer.notFound')} hint={t('customer.notFoundHint')} />
      </Screen>
    );
  }
  const map = mapLink(customer.address, customer.location);
  const contactName = (cid: string | null) => contacts?.find((c) => c.id === cid)?.name;
  // The server's distance once it has the visit; until then the phone's own.
  const distanceOf = (r: { distance_m: number | null; location: { lat: number; lon: number } | null }) =>
    r.distance_m ?? (r.location && customer.location ? distanceMetres(r.location, customer.location) : null);

  return (
    <Screen title={customer.name} back="/customers">
      <div className="customer-head">
        <Tag color={customer.status === 'active' ? 'success' : 'primary'} fill="outline">
          {t(`customer.status.${customer.status}`)}
        </Tag>
        <span className="owner">{t('customer.ownerIs', { name: customer.owner_name })}</span>
        <OutboxMark ops={own} />
      </div>

      <List>
        {customer.phone && (
          <List.Item extra={<a className="tel" href={`tel:${customer.phone}`} aria-label={t('customer.call', { phone: customer.phone })}>{customer.phone}</a>}>
            {t('customer.field.phone')}
          </List.Item>
        )}
        {customer.address && (
          <List.Item description={customer.address} extra={map && <a className="map" href={map}>{t('customer.map')}</a>}>
            {t('customer.field.address')}
          </List.Item>
        )}
        {customer.region && <List.Item extra={customer.region}>{t('customer.field.region')}</List.Item>}
        {customer.industry && <List.Item extra={customer.industry}>{t('customer.field.industry')}</List.Item>}
        {customer.next_contact_at && <List.Item extra={f.moment(customer.next_contact_at)}>{t('record.next')}</List.Item>}
      </List>

      <section className="actions" aria-label={t('customer.actions')}>
        <Button color="primary" onClick={() => navigate(`/customers/${customer.id}/record`)}>
          {t('customer.record')}
        </Button>
        <Button color="primary" fill="outline" onClick={() => navigate(`/customers/${customer.id}/record?kind=visit&check_in=1`)}>
          {t('customer.checkIn')}
        </Button>
        <Button onClick={() => navigate(`/customers/${customer.id}/edit`)}>{t('customer.edit')}</Button>
        <Button onClick={() => navigate(`/customers/${customer.id}/contacts/new`)}>{t('customer.addContact')}</Button>
      </section>

      <section aria-labelledby="contacts-title">
        <List header={<h2 id="contacts-title" className="list-title">{t('customer.contacts')}</h2>}>
          {contacts?.length === 0 && <List.Item>{t('customer.noContacts')}</List.Item>}
          {contacts?.map((p) => (
            <List.Item
              key={p.id}
              className="link-item"
              description={[p.title, p.is_primary ? t('customer.primary') : null].filter(Boolean).join(' · ') || undefined}
              extra={
                <span className="tels">
                  {[p.mobile, p.phone].filter((n): n is string => Boolean(n)).map((n) => (
                    <a key={n} className="tel" href={`tel:${n}`} aria-label={t('customer.call', { phone: n })}>
                      {n}
                    </a>
                  ))}
                </span>
              }
            >
              <Link to={`/contacts/${p.id}/edit`} className="row-link" aria-label={t('customer.editContact', { name: p.name })}>
                {p.name}
              </Link>
              <OutboxMark ops={opsOf.get(p.id)} />
            </List.Item>
          ))}
        </List>
      </section>

      <section aria-labelledby="records-title">
        <List header={<h2 id="records-title" className="list-title">{t('customer.records')}</h2>}>
          {records?.length === 0 && <List.Item>{t('customer.noRecords')}</List.Item>}
          {records?.map((r) => (
            <List.Item
              key={r.id}
              className="record"
              description={
                <>
                  <span className="record-time">{f.moment(r.occurred_at)}</span>
                  {r.summary && <span className="record-summary">{r.summary}</span>}
                  {distanceOf(r) != null && <span>{t('customer.distance', { distance: f.distance(distanceOf(r)!) })}</span>}
                  {r.next_contact_at && <span>{t('customer.next', { when: f.dayOf(r.next_contact_at) })}</span>}
                </>
              }
            >
              <span className="record-kind">{t(`record.kinds.${r.kind}`)}</span>
              {r.contact_id && contactName(r.contact_id) && <span className="record-contact"> · {contactName(r.contact_id)}</span>}
              <OutboxMark ops={opsOf.get(r.id)} />
            </List.Item>
          ))}
        </List>
      </section>

      <section aria-labelledby="quotations-title">
        <List header={<h2 id="quotations-title" className="list-title">{t('customer.quotations')}</h2>}>
          {quotations?.length === 0 && <List.Item>{t('customer.noQuotations')}</List.Item>}
          {quotations?.map((q) => (
            <List.Item key={q.id} extra={<span className="money">{f.money(q.gross_total, q.currency)}</span>} description={t(`customer.quotationStatus.${q.status}`)}>
              {q.number}
            </List.Item>
          ))}
        </List>
      </section>

      <section aria-labelledby="money-title">
        <List header={<h2 id="money-title" className="list-title">{t('customer.money')}</h2>}>
          {money?.open.length === 0 && <List.Item>{t('customer.nothingOpen')}</List.Item>}
          {money?.open.map((r) => (
            <List.Item
              key={r.id}
              extra={<span className="money">{f.money(r.amount_open, r.currency)}</span>}
              description={r.days_overdue > 0 ? t('customer.overdue', { count: r.days_overdue }) : t('customer.due', { day: f.date(r.due_date) })}
            >
              {r.contract_number ? `${r.contract_number} · ${r.installment_seq}` : r.description}
            </List.Item>
          ))}
          {money?.payments.map((p) => (
            <List.Item
              key={p.id}
              extra={<span className="money">{f.money(p.amount, p.currency)}</span>}
              description={p.status === 'reversed' ? t('customer.reversed') : t(`customer.method.${p.method}`)}
            >
              {t('customer.paidOn', { day: f.date(p.received_on) })}
            </List.Item>
          ))}
        </List>
      </section>
    </Screen>
  );
}
