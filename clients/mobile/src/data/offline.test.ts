import { describe, expect, it } from 'vitest';
import type { Contact, Customer } from './db';
import { indexOf, search } from './search';
import { agendaOf, comingBirthday, dayIn } from './agenda';
import { distanceMetres, mapLink } from './geo';

const customer = (id: string, name: string, extra: Partial<Customer> = {}) =>
  ({ id, name, tags: [], phone: null, region: null, address: null, industry: null, email: null, owner_id: 'u1', status: 'active', created_at: '2026-01-01T00:00:00Z', last_contact_at: '2026-05-30T00:00:00Z', next_contact_at: null, ...extra }) as Customer;
const contact = (id: string, customer_id: string, name: string, extra: Partial<Contact> = {}) =>
  ({ id, customer_id, name, phone: null, mobile: null, birthday: null, ...extra }) as Contact;

const customers = [
  customer('a', '上海华联国际贸易有限公司', { region: '上海' }),
  customer('b', 'Acme Trading Co.', { phone: '+86 21 5555 0101' }),
  customer('c', '北京华联', {}),
  customer('d', 'Zenith Foods'),
];
const index = indexOf(customers, [contact('p', 'd', 'Maria Lopez', { mobile: '138-0013-8000' })]);
const names = (q: string) => search(index, q).map((c) => c.id);

describe('offline search', () => {
  it('finds Chinese names by a part, or by characters in order', () => {
    expect(names('华联')).toEqual(['c', 'a']); // equally good: by name, 北京 before 上海
    expect(names('华联贸易')).toEqual(['a']);
    expect(names('上海 贸易')).toEqual(['a']);
  });
  it('finds Latin names without case, punctuation, or with one typo', () => {
    expect(names('acme')).toEqual(['b']);
    expect(names('ACME trading co')).toEqual(['b']);
    expect(names('acmee')).toEqual(['b']);
    expect(names('tradng')).toEqual(['b']);
  });
  it('finds by a contact person or a phone number', () => {
    expect(names('lopez')).toEqual(['d']);
    expect(names('13800138000')).toEqual(['d']);
    expect(names('5555 0101')).toEqual(['b']);
  });
  it('finds nothing for what is in no customer', () => {
    expect(names('深圳')).toEqual([]);
    expect(names('qqqq')).toEqual([]);
  });
});

describe('the agenda on the phone', () => {
  const settings = { timezone: 'Asia/Shanghai', dormant_after_days: 30 };
  const now = new Date('2026-06-01T02:00:00Z'); // 10:00 in Shanghai

  it('counts days in the organization time zone', () => {
    expect(dayIn(new Date('2026-05-31T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-06-01');
    expect(dayIn(new Date('2026-05-31T17:00:00Z'), 'UTC')).toBe('2026-05-31');
  });

  it('sorts follow-ups, birthdays and dormant customers by kind, then due', () => {
    const list = [
      customer('t', 'Today', { next_contact_at: '2026-06-01T06:00:00Z' }),
      customer('o', 'Overdue', { next_contact_at: '2026-05-31T15:00:00Z' }), // 23:00 on 31 May in Shanghai
      customer('m', 'Tomorrow', { next_contact_at: '2026-06-01T16:30:00Z' }), // 00:30 on 2 June
      customer('z', 'Dormant', { last_contact_at: '2026-04-01T00:00:00Z' }),
      customer('x', 'Not mine', { owner_id: 'u2', next_contact_at: '2026-06-01T06:00:00Z' }),
    ];
    const people = [contact('b1', 't', 'Birthday Person', { birthday: '1980-06-05' }), contact('b2', 'x', 'Other', { birthday: '1980-06-02' })];
    const agenda = agendaOf(list, people, 'u1', settings, now);
    expect(agenda.map((e) => [e.kind, e.customer.id])).toEqual([
      ['overdue', 'o'],
      ['follow_up_today', 't'],
      ['follow_up_tomorrow', 'm'],
      ['birthday', 't'],
      ['dormant', 'z'],
    ]);
    expect(agenda[3].due).toBe('2026-06-05');
  });

  it('keeps a 29 February birthday on 28 February in other years', () => {
    expect(comingBirthday('1992-02-29', '2027-02-25')).toBe('2027-02-28');
    expect(comingBirthday('1992-02-29', '2028-02-25')).toBe('2028-02-29');
    expect(comingBirthday('1992-03-10', '2027-02-25')).toBeNull();
  });
});

describe('places', () => {
  it('measures the great-circle distance in metres', () => {
    expect(distanceMetres({ lat: 31.2304, lon: 121.4737 }, { lat: 31.2304, lon: 121.4737 })).toBe(0);
    // The Bund to People's Square, Shanghai: about 1.5 km.
    const d = distanceMetres({ lat: 31.2397, lon: 121.4905 }, { lat: 31.2317, lon: 121.4757 });
    expect(d).toBeGreaterThan(1500);
    expect(d).toBeLessThan(1700);
  });
  it("opens the phone's map app", () => {
    expect(mapLink('上海市南京东路1号', null, 'Android')).toBe('geo:0,0?q=%E4%B8%8A%E6%B5%B7%E5%B8%82%E5%8D%97%E4%BA%AC%E4%B8%9C%E8%B7%AF1%E5%8F%B7');
    expect(mapLink(null, { lat: 31.2, lon: 121.4 }, 'Android')).toBe('geo:31.2,121.4?q=31.2,121.4');
    expect(mapLink('Main St 1', { lat: 1, lon: 2 }, 'Mozilla (iPhone; CPU iPhone OS 17_0)')).toBe('https://maps.apple.com/?q=Main+St+1&ll=1%2C2');
    expect(mapLink(null, null)).toBeNull();
  });
});
