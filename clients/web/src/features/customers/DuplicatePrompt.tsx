// DuplicatePrompt.tsx: the duplicate guard's 409 as the user meets it — "this
// looks like …" with the customers it looks like (a link to each one the user
// may open), and the choice to create it anyway or go back to the form.
import { Button, List, Modal, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { DuplicateCandidate } from '@crm/shared';
import { api, unwrap } from '../../lib/api';
import { useHasRole } from '../../lib/auth';

interface Props {
  name: string;
  candidates: DuplicateCandidate[];
  busy: boolean;
  onCreateAnyway: () => void;
  onCancel: () => void;
}

/** The ids among `candidates` the user may open. Candidates include customers
 * the user may not see; a search for the typed name lists the visible ones. */
function useVisible(name: string, candidates: DuplicateCandidate[]): Set<string> {
  const seesAll = useHasRole('admin', 'assistant', 'finance', 'service');
  const q = name.trim().slice(0, 64);
  const search = useQuery({
    queryKey: ['customers', 'search', 'visible', q],
    queryFn: () => unwrap(api.GET('/v1/customers', { params: { query: { q, limit: 50 } } })),
    enabled: !seesAll && q.length > 0,
    retry: false,
  });
  if (seesAll) return new Set(candidates.map((c) => c.id));
  return new Set(search.data?.data.map((c) => c.id) ?? []);
}

export function DuplicatePrompt({ name, candidates, busy, onCreateAnyway, onCancel }: Props) {
  const { t } = useTranslation('customers');
  const visible = useVisible(name, candidates);
  return (
    <Modal
      open
      title={t('duplicate.title')}
      onCancel={onCancel}
      footer={[
        <Button key="back" onClick={onCancel}>
          {t('duplicate.back')}
        </Button>,
        <Button key="anyway" type="primary" danger loading={busy} onClick={onCreateAnyway}>
          {t('duplicate.anyway')}
        </Button>,
      ]}
    >
      <Typography.Paragraph>{t('duplicate.body')}</Typography.Paragraph>
      <List
        bordered
        size="small"
        dataSource={candidates}
        renderItem={(c) => (
          <List.Item>
            <List.Item.Meta
              title={
                visible.has(c.id) ? (
                  <Link to={`/customers/${c.id}`} target="_blank" rel="noopener" style={{ color: '#1458d6' }}>
                    {c.name}
                  </Link>
                ) : (
                  c.name
                )
              }
              description={t('duplicate.owner', { name: c.owner_name })}
            />
          </List.Item>
        )}
      />
    </Modal>
  );
}
