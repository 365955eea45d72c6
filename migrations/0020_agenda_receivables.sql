-- 0020_agenda_receivables: receivables due join the agenda (issue 12). An
-- open receivable due within seven days of the day, or already overdue, is an
-- item of its customer's owner's agenda, and of every finance user's for all
-- customers. `due` is the start of the due day in the tenant's zone; `detail`
-- names the contract and installment (or an opening balance), what is open,
-- and when it falls due.

CREATE FUNCTION agenda_receivables(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$
SELECT 'payment_due', rfc3339(r.due_date::timestamp AT TIME ZONE t.timezone), c.id, c.name, NULL::uuid, NULL::text,
       coalesce(k.number || ' #' || r.installment_seq, 'Opening balance') || ': '
       || money_text(r.amount - r.amount_paid - r.amount_written_off, r.currency) || ' ' || r.currency
       || CASE WHEN r.due_date = p_day THEN ' due today'
               WHEN r.due_date = p_day + 1 THEN ' due tomorrow'
               WHEN r.due_date > p_day THEN ' due in ' || (r.due_date - p_day) || ' days'
               ELSE ' overdue by ' || (p_day - r.due_date) || ' days' END
  FROM receivables r
  JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
  LEFT JOIN contracts k ON k.tenant_id = r.tenant_id AND k.id = r.contract_id
 WHERE r.tenant_id = p_tenant AND r.deleted_at IS NULL AND c.deleted_at IS NULL
   AND r.amount_paid + r.amount_written_off < r.amount AND r.due_date <= p_day + 7
   AND (c.owner_id = p_user
        OR EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = p_tenant AND u.id = p_user AND u.role = 'finance'))
$$;

INSERT INTO agenda_kinds (kind, rank, source) VALUES ('payment_due', 55, 'agenda_receivables');
