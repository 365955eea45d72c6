// ContactForm.tsx: a contact person from a business card, or an edit of one
// (only the changed fields are sent).
import { Button, Checkbox, DatePicker, Form, TextArea, Toast } from 'antd-mobile';
import type { DatePickerRef } from 'antd-mobile/es/components/date-picker';
import { useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { createContact, updateContact, useContact, useCustomer, type Contact, type ContactInput } from '../data';
import { Empty, Loading, Screen } from '../components/Screen';
import { TextItem } from '../components/TextItem';
import { dayOfPicked } from '../lib/dates';
import { useFormats } from '../lib/format';
import { changed, cleaned } from '../lib/patch';
import { problemMessage } from '../lib/problem';
import { savedText } from '../lib/saved';

const TEXTS = ['name', 'title', 'mobile', 'phone', 'email', 'im', 'notes'] as const;

interface Values {
  name: string;
  title?: string;
  mobile?: string;
  phone?: string;
  email?: string;
  im?: string;
  notes?: string;
  birthday: Date | null;
  is_primary: boolean;
}

/** /customers/:id/contacts/new or /contacts/:contactId/edit. */
export function ContactForm() {
  const { id, contactId } = useParams();
  const { t } = useTranslation();
  const contact = useContact(contactId);
  const customer = useCustomer(contactId ? (contact ? contact.customer_id : undefined) : id);
  const title = contactId ? t('contact.editTitle') : t('contact.newTitle');
  if ((contactId && contact === undefined) || customer === undefined) return <Screen title={title} back="/customers"><Loading /></Screen>;
  if ((contactId && contact === null) || customer === null) {
    return (
      <Screen title={title} back="/customers">
        <Empty text={t('customer.notFound')} hint={t('customer.notFoundHint')} />
      </Screen>
    );
  }
  return <ContactFormOf customerId={customer.id} customerName={customer.name} contact={contact ?? null} />;
}

function ContactFormOf({ customerId, customerName, contact }: { customerId: string; customerName: string; contact: Contact | null }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const f = useFormats();
  const [busy, setBusy] = useState(false);

  const initial: Values = {
    ...(Object.fromEntries(TEXTS.map((k) => [k, contact?.[k] ?? ''])) as Record<(typeof TEXTS)[number], string>),
    birthday: contact?.birthday ? new Date(`${contact.birthday}T00:00:00`) : null,
    is_primary: contact?.is_primary ?? false,
  };

  const submit = async (v: Values) => {
    setBusy(true);
    const body = cleaned({
      ...Object.fromEntries(TEXTS.map((k) => [k, v[k] ?? ''])),
      birthday: v.birthday ? dayOfPicked(v.birthday) : null,
      is_primary: v.is_primary,
    }) as unknown as ContactInput;
    try {
      if (contact) {
        const patch = changed(contact as unknown as Record<string, unknown>, body as unknown as Record<string, unknown>);
        if (Object.keys(patch).length > 0) await updateContact(contact.id, patch);
      } else {
        await createContact(customerId, body);
      }
      Toast.show({ content: savedText(t, 'contact.saved'), position: 'bottom' });
      navigate(`/customers/${customerId}`, { replace: true });
    } catch (e) {
      Toast.show({ content: problemMessage(t, e, i18n.language), icon: 'fail' });
      setBusy(false);
    }
  };

  const text = (name: (typeof TEXTS)[number], input?: Parameters<typeof TextItem>[0]['input']) => (
    <TextItem name={name} label={t(`contact.field.${name}`)} required={name === 'name'} input={input} />
  );

  return (
    <Screen title={contact ? t('contact.editTitle') : t('contact.newTitle')} back={`/customers/${customerId}`}>
      <p className="record-for">{customerName}</p>
      <Form
        name="contact"
        layout="horizontal"
        mode="card"
        initialValues={initial}
        onFinish={(v: Values) => void submit(v)}
        footer={
          <Button block type="submit" color="primary" size="large" loading={busy}>
            {t('action.save')}
          </Button>
        }
      >
        {text('name')}
        {text('title')}
        {text('mobile', { type: 'tel', autoComplete: 'tel' })}
        {text('phone', { type: 'tel' })}
        {text('email', { type: 'email', autoCapitalize: 'off' })}
        {text('im', { autoCapitalize: 'off' })}
        <Form.Item
          name="birthday"
          label={t('contact.field.birthday')}
          trigger="onConfirm"
          arrow
          onClick={(_, picker: RefObject<DatePickerRef>) => picker.current?.open()}
        >
          <DatePicker title={t('contact.pickBirthday')} min={new Date(1900, 0, 1)} max={new Date()}>
            {(value) => (
              <button type="button" id="contact_birthday" className="picker-value">
                {value ? f.date(dayOfPicked(value)) : t('contact.pickBirthday')}
              </button>
            )}
          </DatePicker>
        </Form.Item>
        <Form.Item name="is_primary" valuePropName="checked">
          <Checkbox>{t('contact.field.is_primary')}</Checkbox>
        </Form.Item>
        <Form.Item name="notes" label={t('contact.field.notes')} layout="vertical">
          <TextArea autoSize={{ minRows: 2, maxRows: 6 }} />
        </Form.Item>
      </Form>
    </Screen>
  );
}
