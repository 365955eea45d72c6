// schemagen.mjs: fast-check arbitraries made from the spec's JSON Schemas —
// values a schema allows (boundary lengths in ASCII, CJK, emoji and combining
// marks, boundary numbers, real ids from a pool) and single mutations of them
// (wrong type, too long or short, control characters, missing, unknown and
// server-owned members, deep nesting). Whether a generated value is valid is
// never taken from here: the fuzz test asks ajv (spec.mjs) every time.
import fc from 'fast-check';
import { getSpec } from './spec.mjs';

// --- schema resolution ------------------------------------------------------

function atPointer(pointer) {
  let node = getSpec();
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (node === undefined) throw new Error(`dangling $ref ${pointer}`);
  return node;
}

const typesOf = (s) => (s.type === undefined ? undefined : Array.isArray(s.type) ? s.type : [s.type]);

/** A schema with its $ref and allOf folded in (enough to generate from; ajv stays the judge). */
export function norm(schema) {
  if (!schema || typeof schema !== 'object') return {};
  let s = schema;
  for (let i = 0; s.$ref && i < 20; i++) {
    const { $ref, ...rest } = s;
    s = { ...norm(atPointer($ref)), ...rest };
  }
  if (s.allOf) {
    const { allOf, ...rest } = s;
    let out = rest;
    for (const sub of allOf) out = merge(out, norm(sub));
    s = out;
  }
  return s;
}

/** Both schemas at once (the parts generation needs: types, bounds, members). */
export function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (k === 'type') {
      const ta = typesOf(a);
      out.type = ta ? ta.filter((t) => typesOf(b).includes(t) || (t === 'number' && typesOf(b).includes('integer'))) : v;
    } else if (k === 'properties') {
      out.properties = { ...(a.properties ?? {}) };
      for (const [p, ps] of Object.entries(v)) {
        out.properties[p] = a.properties?.[p] ? merge(norm(a.properties[p]), norm(ps)) : ps;
      }
    } else if (k === 'required') {
      out.required = [...new Set([...(a.required ?? []), ...v])];
    } else if (k === 'pattern') {
      out.patterns = [...(a.patterns ?? (a.pattern ? [a.pattern] : [])), v];
      out.pattern = a.pattern ?? v;
    } else if ((k === 'maxLength' || k === 'maximum' || k === 'maxItems') && a[k] !== undefined) {
      out[k] = Math.min(a[k], v);
    } else if ((k === 'minLength' || k === 'minimum' || k === 'minItems') && a[k] !== undefined) {
      out[k] = Math.max(a[k], v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

// --- text -------------------------------------------------------------------

// Code point ranges of each kind of text; every one is free of C0/C1 controls.
export const TEXT_CLASSES = {
  ascii: [[0x20, 0x7e]],
  cjk: [[0x4e00, 0x9fff]],
  emoji: [[0x1f300, 0x1f5ff], [0x1f900, 0x1f9ff]],
  combining: [[0x61, 0x7a], [0x300, 0x36f]],
  latin: [[0xa0, 0x17f]],
  mixed: [[0x20, 0x7e], [0x4e00, 0x9fff], [0x1f600, 0x1f64f], [0x300, 0x36f], [0xe9, 0xe9], [0x9, 0xa], [0xd, 0xd]],
};
const CLASS_NAMES = Object.keys(TEXT_CLASSES);

// A small deterministic generator, so a long string is one shrinkable number.
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `len` code points of class `cls`, drawn from `salt`. */
export function makeText(cls, len, salt) {
  const ranges = TEXT_CLASSES[cls] ?? TEXT_CLASSES.ascii;
  const next = prng(salt + 7919 * len + 1);
  const out = [];
  for (let i = 0; i < len; i++) {
    const [lo, hi] = ranges[next() % ranges.length];
    let cp = lo + (next() % (hi - lo + 1));
    // Combining marks need a base: start with a letter.
    if (cls === 'combining' && i === 0) cp = 0x61;
    out.push(String.fromCodePoint(cp));
  }
  let s = out.join('');
  // Leading/trailing blanks are legal but make poor names; keep them inside.
  if (len > 0 && cls === 'ascii' && s[0] === ' ') s = 'a' + s.slice(1);
  return s;
}

const cpLength = (s) => [...s].length;

/** Lengths from min to max, biased to both boundaries. */
function lengthArb(min, max) {
  const small = Math.min(max, min + 12);
  const choices = [{ weight: 6, arbitrary: fc.integer({ min, max: small }) }, { weight: 2, arbitrary: fc.constant(max) }];
  if (min > 0) choices.push({ weight: 1, arbitrary: fc.constant(min) });
  if (max > small) choices.push({ weight: 1, arbitrary: fc.integer({ min, max }) });
  return fc.oneof(...choices);
}

/** Text of min..max code points in any of the text classes. */
export function textArb(min, max, { classes = CLASS_NAMES } = {}) {
  return fc
    .record({ cls: fc.constantFrom(...classes), len: lengthArb(min, max), salt: fc.nat() })
    .map(({ cls, len, salt }) => makeText(cls, len, salt));
}

// The "no control characters" patterns of the spec: text of any class fits them.
const CONTROL_FREE = /^\^\[\^\\u0000-\\u00(08|1F)[^\]]*\]\*\$$/i;
const CONTROL_FREE_PLUS = /^\^\[\^\\u0000-\\u00(08|1F)[^\]]*\]\+\$$/i;

// --- values -----------------------------------------------------------------

const pad = (n, w) => String(n).padStart(w, '0');
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const yearArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 2000, max: 2040 }) },
  { weight: 1, arbitrary: fc.constantFrom(1, 1900, 1970, 2100, 9998, 9999) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 9999 }) },
);

export const dateArb = fc
  .record({ y: yearArb, m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
  .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(Math.min(d, DAYS[m - 1] + (m === 2 && leap(y) ? 1 : 0)), 2)}`);

export const dateTimeArb = fc
  .record({
    date: dateArb,
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.option(fc.integer({ min: 0, max: 999999 }), { nil: undefined }),
    zone: fc.oneof(
      { weight: 4, arbitrary: fc.constant('Z') },
      { weight: 2, arbitrary: fc.record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 14 }), m: fc.constantFrom(0, 30, 45) }) },
    ),
  })
  .map(({ date, h, mi, s, frac, zone }) => {
    const z = zone === 'Z' ? 'Z' : `${zone.sign}${pad(zone.h, 2)}:${pad(zone.h === 14 ? 0 : zone.m, 2)}`;
    return `${date}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === undefined ? '' : '.' + pad(frac, 6)}${z}`;
  });

const emailArb = fc
  .record({
    local: fc.stringMatching(/^[a-z0-9]{1,12}([.+_-][a-z0-9]{1,8})?$/),
    domain: fc.stringMatching(/^[a-z0-9]{1,12}$/),
    tld: fc.constantFrom('com', 'cn', 'de', 'example'),
    long: fc.boolean(),
  })
  .map(({ local, domain, tld, long }) => {
    const e = `${local}@${domain}.${tld}`;
    // At the 254-character boundary now and then.
    return long && e.length < 254 ? `${'a'.repeat(63)}.${'b'.repeat(254 - e.length - 65)}x${e}`.slice(-254) : e;
  });

/** Placeholder for a real id of `pool`, resolved when the request is sent. */
export const poolRef = (pool, i) => `@@${pool}:${i}@@`;
export const POOL_REF = /^@@([a-zA-Z]+):(\d+)@@$/;

/**
 * An arbitrary of values `schema` allows. `opts.idPool(name)` names the pool a
 * uuid member called `name` draws real ids from (or undefined).
 */
export function valid(schema, opts = {}, name = '', depth = 0) {
  const s = norm(schema);
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = typesOf(s);
  if (s.oneOf || s.anyOf) {
    const branches = s.oneOf ?? s.anyOf;
    const { oneOf, anyOf, ...base } = s;
    return fc.oneof(...branches.map((b) => valid(withoutForbidden(merge(base, norm(b))), opts, name, depth)));
  }
  if (!types) return jsonArb(depth);
  if (types.length > 1) {
    // null now and then, the value type mostly.
    return fc.oneof(
      ...types.map((t) => ({ weight: t === 'null' ? 1 : 4, arbitrary: valid({ ...s, type: t }, opts, name, depth) })),
    );
  }
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return intArb(s);
    case 'number':
      return numberArb(s);
    case 'string':
      return stringArb(s, opts, name);
    case 'array': {
      const min = s.minItems ?? 0;
      const max = s.maxItems ?? 20;
      const item = valid(s.items ?? {}, opts, name, depth + 1);
      return fc.oneof(
        { weight: 12, arbitrary: fc.array(item, { minLength: min, maxLength: Math.min(max, min + 3) }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) },
      );
    }
    case 'object':
      return objectArb(s, opts, depth);
    default:
      return fc.constant(null);
  }
}

// A branch that says `not: {required: [...]}` (or an anyOf of those) leaves those members out.
function withoutForbidden(s) {
  if (!s.not || !s.properties) return s;
  const forbidden = [...(s.not.required ?? []), ...(s.not.anyOf ?? []).flatMap((x) => x.required ?? [])];
  const { not, ...rest } = s;
  const properties = Object.fromEntries(Object.entries(s.properties).filter(([k]) => !forbidden.includes(k)));
  return { ...rest, properties };
}

function intArb(s) {
  const min = s.minimum ?? (s.format === 'int32' ? -2147483648 : -1e9);
  const max = s.maximum ?? (s.format === 'int32' ? 2147483647 : 1e9);
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 100) }) },
    { weight: 2, arbitrary: fc.constantFrom(min, max) },
    { weight: 2, arbitrary: fc.integer({ min, max }) },
  );
}

function numberArb(s) {
  const min = s.minimum ?? -1e6;
  const max = s.maximum ?? 1e6;
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(min, max) },
    { weight: 3, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)) },
    { weight: 2, arbitrary: fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) },
  );
}

function matchesAll(s, str) {
  const pats = s.patterns ?? (s.pattern ? [s.pattern] : []);
  return pats.every((p) => new RegExp(p, 'u').test(str));
}

function stringArb(s, opts, name) {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 400;
  const pool = s.format === 'uuid' ? opts.idPool?.(name) : undefined;
  let arb;
  if (s.format === 'uuid') {
    const random = fc.uuid();
    arb = pool ? fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 10000 }).map((i) => poolRef(pool, i)) }, { weight: 1, arbitrary: random }) : random;
    return arb;
  }
  if (s.format === 'email') arb = emailArb;
  else if (s.format === 'date') arb = dateArb;
  else if (s.format === 'date-time') arb = dateTimeArb;
  else if (!s.pattern || CONTROL_FREE.test(s.pattern) || CONTROL_FREE_PLUS.test(s.pattern)) {
    arb = textArb(Math.max(min, s.pattern && CONTROL_FREE_PLUS.test(s.pattern) ? 1 : 0), max);
  } else {
    // fast-check cannot build from lookaheads; they are checked by the filter below.
    arb = fc.stringMatching(new RegExp(s.pattern.replace(/\(\?[=!][^)]*\)/g, '')));
  }
  arb = arb.filter((v) => cpLength(v) >= min && cpLength(v) <= max && matchesAll(s, v));
  // Values that mean something to the server (a real currency, slug, refresh token) most of the time.
  const known = opts.known?.[name];
  const named = opts.namedPool?.(name);
  if (known) arb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: arb });
  if (named) arb = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 10000 }).map((i) => poolRef(named, i)) }, { weight: 1, arbitrary: arb });
  return arb;
}

function objectArb(s, opts, depth) {
  const props = s.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 0) {
    // Free-form members (custom fields): any JSON, up to the member limit.
    const maxKeys = s.maxProperties ?? 20;
    const key = textArb(1, 20, { classes: ['ascii', 'cjk', 'emoji'] });
    return fc.oneof(
      { weight: 10, arbitrary: fc.dictionary(key, jsonArb(depth + 1), { maxKeys: Math.min(maxKeys, 4) }) },
      { weight: 1, arbitrary: fc.constant(maxKeys).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))) },
    );
  }
  const model = {};
  for (const k of keys) model[k] = valid(props[k], opts, k, depth + 1);
  return fc.record(model, { requiredKeys: s.required ?? [] });
}

/** Any JSON value, shallow. */
export function jsonArb(depth = 0) {
  const leaf = fc.oneof(
    textArb(0, 30),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    fc.boolean(),
    fc.constant(null),
  );
  if (depth > 3) return leaf;
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(textArb(1, 8, { classes: ['ascii'] }), leaf, { maxKeys: 3 }) },
  );
}

// --- mutations --------------------------------------------------------------

export const MUTATIONS = [
  'type', 'null', 'long', 'short', 'ctrl', 'nul', 'enum', 'format', 'range', 'drop', 'unknown', 'readonly', 'deep',
  'unicode',
];

const CONTROLS = [0x0, 0x1, 0x7, 0x8, 0xb, 0xc, 0x1b, 0x1f, 0x7f].map((c) => String.fromCharCode(c));
const SERVER_OWNED = ['version', 'created_at', 'updated_at', 'deleted_at', 'id', 'owner_id', 'number', 'status', 'net',
  'gross', 'line_no', 'distance_m', 'slug', 'tenant_id'];
const MALFORMED_FORMAT = {
  uuid: ['not-a-uuid', '00000000-0000-0000-0000-00000000000', '00000000-0000-0000-0000-0000000000000', 'g0000000-0000-0000-0000-000000000000', '{00000000-0000-0000-0000-000000000000}', ''],
  date: ['2026-02-30', '2026-13-01', '0000-01-01', '10000-01-01', '2026-1-1', '2026-01-01T00:00:00Z', '20260101', ''],
  'date-time': ['2026-01-01', '2026-01-01T25:00:00Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00+0800', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+25:00', ''],
  email: ['no-at-sign', 'a@', '@example.com', 'a b@example.com', 'a@@example.com', ''],
};

/** Every place in `value` a mutation can hit: [{path, schema}] (absent members included). */
export function locations(schema, value, path = [], out = [], depth = 0) {
  const s = norm(schema);
  out.push({ path, schema: s });
  if (depth > 8) return out;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    let props = s.properties ?? {};
    for (const b of s.anyOf ?? s.oneOf ?? []) props = { ...norm(b).properties, ...props };
    for (const [k, ps] of Object.entries(props)) {
      if (k in value) locations(ps, value[k], [...path, k], out, depth + 1);
      else out.push({ path: [...path, k], schema: norm(ps), absent: true });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => locations(s.items ?? {}, v, [...path, i], out, depth + 1));
  }
  return out;
}

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function getAt(root, path) {
  let v = root;
  for (const p of path) v = v?.[p];
  return v;
}

function setAt(root, path, value) {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1));
  if (parent && typeof parent === 'object') parent[path[path.length - 1]] = value;
  return root;
}

function deleteAt(root, path) {
  const parent = getAt(root, path.slice(0, -1));
  if (parent && typeof parent === 'object' && !Array.isArray(parent)) delete parent[path[path.length - 1]];
  else if (Array.isArray(parent)) parent.splice(path[path.length - 1], 1);
  return root;
}

function nested(depthLevels) {
  let v = 1;
  for (let i = 0; i < depthLevels; i++) v = [v];
  return v;
}

/** How the server names a place in a body: `location.lat`, `lines[0].quantity`. */
export function fieldName(path) {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/**
 * Apply mutation `m` ({kind, at, pick, salt}) to a copy of `value`, valid for
 * `schema`. Returns {value, path, kind}: where it struck and what it did.
 */
export function mutate(schema, value, m) {
  const root = clone(value);
  const locs = locations(schema, root);
  const loc = locs[m.at % locs.length];
  const s = loc.schema;
  const here = getAt(root, loc.path);
  const types = typesOf(s) ?? [];
  const pick = m.pick;
  const strAt = typeof here === 'string' ? here : 'abc';
  let kind = m.kind;
  let out = root;
  const set = (v) => (out = setAt(root, loc.path, v));
  switch (kind) {
    case 'type': {
      const others = [42, '42', true, [], {}, 1.5].filter((v) => {
        const t = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : Number.isInteger(v) ? 'integer' : typeof v;
        return !types.includes(t) && !(t === 'integer' && types.includes('number'));
      });
      set(others.length ? others[pick % others.length] : null);
      break;
    }
    case 'null':
      set(null);
      break;
    case 'long':
      if (types.includes('array') && Array.isArray(here) && s.maxItems !== undefined) {
        const item = here[0] ?? 'x';
        set(Array.from({ length: s.maxItems + 1 }, () => clone(item)));
      } else if (types.includes('object') && s.maxProperties !== undefined) {
        set(Object.fromEntries(Array.from({ length: s.maxProperties + 1 }, (_, i) => [`k${i}`, i])));
      } else if (s.maxLength !== undefined) {
        set(makeText(CLASS_NAMES[pick % CLASS_NAMES.length], s.maxLength + 1, m.salt));
      } else {
        set(makeText(CLASS_NAMES[pick % CLASS_NAMES.length], 20000, m.salt));
      }
      break;
    case 'short':
      if (Array.isArray(here) && s.minItems) set([]);
      else if (s.minLength) set(makeText('ascii', s.minLength - 1, m.salt));
      else set('');
      break;
    case 'ctrl':
    case 'nul': {
      const c = kind === 'nul' ? '\u0000' : CONTROLS[pick % CONTROLS.length];
      const at = strAt.length ? pick % (strAt.length + 1) : 0;
      set(strAt.slice(0, at) + c + strAt.slice(at));
      break;
    }
    case 'enum':
      set(typeof here === 'string' ? `${here}x` : 'bogus');
      break;
    case 'format': {
      const list = MALFORMED_FORMAT[s.format] ?? (s.pattern ? ['-1', '1.', '.5', '1e3', ' 1', '１', 'x'] : ['x']);
      set(list[pick % list.length]);
      break;
    }
    case 'range': {
      const max = s.maximum;
      const min = s.minimum;
      const list = [max !== undefined ? max + 1 : 2147483648, min !== undefined ? min - 1 : -2147483649, 1e300, -1e300, 2 ** 53 + 2];
      if (types.includes('integer')) list.push((min ?? 0) + 0.5);
      set(list[pick % list.length]);
      break;
    }
    case 'drop':
      if (loc.path.length && !loc.absent) out = deleteAt(root, loc.path);
      else kind = 'noop';
      break;
    case 'unknown':
    case 'readonly': {
      // On the object holding the place (or the place itself when it is one).
      const objPath = here && typeof here === 'object' && !Array.isArray(here) ? loc.path : loc.path.slice(0, -1);
      const obj = getAt(root, objPath);
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
        kind = 'noop';
        break;
      }
      const name = kind === 'unknown' ? `x_fuzz_${pick % 3}` : SERVER_OWNED[pick % SERVER_OWNED.length];
      obj[name] = kind === 'unknown' ? 1 : name === 'version' || name === 'line_no' ? 1 : '2026-01-01T00:00:00Z';
      return { value: root, path: [...objPath, name], kind };
    }
    case 'deep': {
      const levels = [30, 31, 32, 33, 40, 200][pick % 6];
      set(nested(levels));
      break;
    }
    case 'unicode': {
      // A boundary-length string of another kind of text (valid when within the bounds).
      const len = s.maxLength ?? 50;
      set(makeText(CLASS_NAMES[pick % CLASS_NAMES.length], len, m.salt));
      break;
    }
    default:
      kind = 'noop';
  }
  return { value: out, path: loc.path, kind };
}

export const mutationArb = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  at: fc.nat({ max: 1000 }),
  pick: fc.nat({ max: 1000 }),
  salt: fc.nat(),
});

/** Depth of nesting of a JSON value (a scalar is 0, `{}` is 1). */
export function jsonDepth(v) {
  if (!v || typeof v !== 'object') return 0;
  let d = 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) d = Math.max(d, jsonDepth(x));
  return d + 1;
}
