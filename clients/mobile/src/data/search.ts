// search.ts: finding a customer among thousands on the phone, offline, while
// typing: by name, contact person, phone, region or address, in Chinese or
// Latin letters, forgiving a missing character in between ("华联贸易" finds
// 上海华联国际贸易有限公司) and, in Latin words, one typo ("acmee" finds Acme).
import type { Contact, Customer } from './db';

/** Lower case, full-width folded, without spaces and punctuation. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
}

const digits = (text: string) => text.replace(/\D+/g, '');

export interface Searchable {
  customer: Customer;
  /** The customer's name, normalized. */
  name: string;
  /** Everything else it may be found by, normalized and joined. */
  other: string;
  /** Its phone numbers, digits only, joined by spaces. */
  phones: string;
  /** Its Latin words, for the typo match. */
  words: string[];
}

/** The search entries of `customers`, with their contact persons' names and numbers. */
export function indexOf(customers: Customer[], contacts: Contact[]): Searchable[] {
  const byCustomer = new Map<string, Contact[]>();
  for (const c of contacts) {
    const list = byCustomer.get(c.customer_id) ?? [];
    list.push(c);
    byCustomer.set(c.customer_id, list);
  }
  return customers.map((customer) => {
    const people = byCustomer.get(customer.id) ?? [];
    const other = [customer.region, customer.address, customer.industry, customer.email, ...customer.tags, ...people.map((p) => p.name)]
      .filter(Boolean)
      .map((t) => normalize(t as string))
      .join(' ');
    const phones = [customer.phone, ...people.flatMap((p) => [p.phone, p.mobile])]
      .filter(Boolean)
      .map((t) => digits(t as string))
      .join(' ');
    const words = `${customer.name} ${people.map((p) => p.name).join(' ')}`.toLowerCase().match(/[a-z0-9]{3,}/g) ?? [];
    return { customer, name: normalize(customer.name), other, phones, words };
  });
}

/** Whether the characters of `needle` appear in `hay` in order. */
function inOrder(needle: string, hay: string): boolean {
  let i = 0;
  for (const ch of hay) if (ch === needle[i] && ++i === needle.length) return true;
  return needle.length === 0;
}

/** Levenshtein distance, giving up above `max`. */
function within(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, row[j]);
    }
    if (best > max) return false;
    prev = row;
  }
  return prev[b.length] <= max;
}

/** How well one query term matches an entry: higher is better, 0 not at all. */
function termScore(term: string, raw: string, e: Searchable): number {
  if (e.name.startsWith(term)) return 100;
  if (e.name.includes(term)) return 80;
  if (e.other.includes(term)) return 60;
  const d = digits(raw);
  if (d.length >= 3 && d.length === raw.replace(/[\s+()-]/g, '').length && e.phones.includes(d)) return 70;
  if (term.length >= 2 && inOrder(term, e.name)) return 40;
  if (/^[a-z0-9]{4,}$/.test(term) && e.words.some((w) => within(term, w, 1))) return 30;
  return 0;
}

/** The entries every term of `query` matches, best first (then by name). */
export function search(entries: Searchable[], query: string, limit = 50): Customer[] {
  const raws = query.trim().split(/\s+/).filter(Boolean);
  const terms = raws.map(normalize);
  if (terms.every((t) => !t) && raws.every((r) => !digits(r))) return [];
  const hits: { e: Searchable; score: number }[] = [];
  for (const e of entries) {
    let score = 0;
    for (let i = 0; i < terms.length; i++) {
      const s = termScore(terms[i], raws[i], e);
      if (s === 0) {
        score = 0;
        break;
      }
      score += s;
    }
    if (score > 0) hits.push({ e, score });
  }
  hits.sort((a, b) => b.score - a.score || byName(a.e.customer.name, b.e.customer.name));
  return hits.slice(0, limit).map((h) => h.e.customer);
}

const collator = new Intl.Collator('zh-CN');

/** The order names are listed in (Chinese by pinyin, Latin by letter). */
export function byName(a: string, b: string): number {
  return collator.compare(a, b);
}
