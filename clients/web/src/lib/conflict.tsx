// conflict.tsx: one way every edit form survives a stale If-Match (412). The
// user's typing is kept; the dialog shows, field by field, what the server has
// now beside what they typed, and they re-apply their changes on top of the
// new version or discard them.
import { Modal, Table, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@crm/shared';

/** The If-Match value for a record of the API (its ETag is its version). */
export function ifMatch(record: { version: number }): string {
  return `"${record.version}"`;
}

/** The members of `values` that differ from `base` (what a PATCH should send). */
export function changedFields<T extends object>(base: T, values: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(values) as (keyof T)[]) {
    if (JSON.stringify(values[k] ?? null) !== JSON.stringify(base[k] ?? null)) out[k] = values[k];
  }
  return out;
}

interface Conflict<T> {
  patch: Partial<T>;
  current: T;
  fields: (keyof T)[];
}

interface Options<T extends { version: number }> {
  /** Sends `patch` with If-Match of `base`; resolves the saved record. */
  save: (patch: Partial<T>, base: T) => Promise<T>;
  /** Loads the record as the server has it now. */
  reload: () => Promise<T>;
  /** A field's label for the dialog. */
  label: (field: keyof T) => string;
  /** How a value is shown in the dialog. */
  show?: (field: keyof T, value: unknown) => ReactNode;
  /** After a save (first try or re-applied), or a discard (with the server's record). */
  onDone: (record: T, saved: boolean) => void;
}

/** `submit(patch, base)` saves; on 412 it opens the conflict dialog
 * (render `dialog` somewhere in the form). Other errors are thrown to the caller. */
export function useConflictSave<T extends { version: number }>(options: Options<T>) {
  const { t } = useTranslation();
  const [conflict, setConflict] = useState<Conflict<T> | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (patch: Partial<T>, base: T): Promise<void> => {
    try {
      options.onDone(await options.save(patch, base), true);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 412) throw e;
      const current = await options.reload();
      const fields = (Object.keys(patch) as (keyof T)[]).filter(
        (k) => JSON.stringify(current[k] ?? null) !== JSON.stringify(base[k] ?? null),
      );
      setConflict({ patch, current, fields: fields.length ? fields : (Object.keys(patch) as (keyof T)[]) });
    }
  };

  const show = options.show ?? ((_f: keyof T, v: unknown) => (v == null || v === '' ? t('state.none') : typeof v === 'object' ? JSON.stringify(v) : String(v)));

  const dialog = conflict && (
    <Modal
      open
      title={t('conflict.title')}
      okText={t('action.reapply')}
      cancelText={t('action.discard')}
      confirmLoading={busy}
      onOk={async () => {
        setBusy(true);
        try {
          const c = conflict;
          setConflict(null);
          await submit(c.patch, c.current);
        } finally {
          setBusy(false);
        }
      }}
      onCancel={() => {
        const c = conflict;
        setConflict(null);
        options.onDone(c.current, false);
      }}
    >
      <Typography.Paragraph>{t('conflict.body')}</Typography.Paragraph>
      <Table
        size="small"
        pagination={false}
        rowKey="field"
        dataSource={conflict.fields.map((f) => ({ field: String(f), key: f }))}
        columns={[
          { title: t('conflict.field'), dataIndex: 'field', render: (_: unknown, r: { key: keyof T }) => options.label(r.key) },
          { title: t('conflict.server'), render: (_: unknown, r: { key: keyof T }) => show(r.key, conflict.current[r.key]) },
          { title: t('conflict.mine'), render: (_: unknown, r: { key: keyof T }) => show(r.key, conflict.patch[r.key]) },
        ]}
      />
    </Modal>
  );

  return { submit, dialog };
}
