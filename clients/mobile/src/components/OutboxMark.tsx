// OutboxMark.tsx: the mark on a record the server has not acknowledged yet —
// "not sent yet" while it waits for the network, "needs attention" (a link to
// the outbox) when it waits for the user.
import { Tag } from 'antd-mobile';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { OutboxOp } from '../data';

export function OutboxMark({ ops }: { ops: OutboxOp[] | undefined }) {
  const { t } = useTranslation();
  if (!ops || ops.length === 0) return null;
  if (ops.some((o) => o.state !== 'pending')) {
    return (
      <Link to="/outbox" className="mark mark-attention">
        {t('customer.attention')}
      </Link>
    );
  }
  return (
    <Tag className="mark mark-unsent" color="warning" fill="outline">
      {t('customer.unsent')}
    </Tag>
  );
}
