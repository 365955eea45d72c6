// Search.tsx: finding a customer on the phone while typing (offline, Chinese
// or Latin), and the way to a new one.
import { Button, List, SearchBar, Tag } from 'antd-mobile';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useSearch } from '../data';
import { Empty, LinkItem, Loading, Screen } from '../components/Screen';

const LIMIT = 50;

export function Search() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [query, setQuery] = useState(params.get('q') ?? '');
  // The list follows the typing without holding the keyboard up.
  const deferred = useDeferredValue(query);
  const results = useSearch(deferred, LIMIT);

  const type = (q: string) => {
    setQuery(q);
    setParams(q ? { q } : {}, { replace: true });
  };

  return (
    <Screen
      title={t('search.title')}
      right={
        <Button size="small" color="primary" fill="none" onClick={() => navigate('/customers/new')}>
          {t('search.new')}
        </Button>
      }
    >
      <div className="search-box" role="search">
        {/* antd-mobile's own clear icon is an unnamed div; this one is a button. */}
        <SearchBar className="search-bar" placeholder={t('search.placeholder')} value={query} onChange={type} clearable={false} />
        {query && (
          <Button className="search-clear" size="small" fill="none" onClick={() => type('')}>
            {t('search.clear')}
          </Button>
        )}
      </div>
      {results === undefined ? (
        <Loading />
      ) : results.length === 0 ? (
        <Empty text={deferred.trim() ? t('search.empty', { query: deferred.trim() }) : t('search.none')} />
      ) : (
        <List>
          {results.map((c) => (
            <LinkItem
              key={c.id}
              to={`/customers/${c.id}`}
              title={c.name}
              description={[c.region, c.phone, c.owner_name].filter(Boolean).join(' · ') || undefined}
              extra={<Tag color={c.status === 'active' ? 'success' : c.status === 'lost' || c.status === 'dormant' ? 'default' : 'primary'} fill="outline">{t(`customer.status.${c.status}`)}</Tag>}
            />
          ))}
        </List>
      )}
      {results?.length === LIMIT && <p className="note">{t('search.more', { count: LIMIT })}</p>}
    </Screen>
  );
}
