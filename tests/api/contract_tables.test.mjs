// contract_tables.test.mjs: one source of truth for fields. The server's field
// tables (what `crm-server describe` prints) must say what the OpenAPI contract
// says — the same members, required ones, enums, lengths and nullability, and
// the same list filters — and what the database's CHECK constraints allow, so
// that none of the three can drift from the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { getSpec } from './lib/spec.mjs';

const BINARY = process.env.CRM_TEST_BINARY ?? fileURLToPath(new URL('../../build-test/crm-server', import.meta.url));
const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const SERVER_OWNED = ['version', 'created_at', 'updated_at', 'deleted_at'];

const described = JSON.parse(execFileSync(BINARY, ['describe'], { encoding: 'utf8' }));
const spec = getSpec();

function deref(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 20; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce((node, key) => node?.[key], spec);
  }
  return s;
}

/** What a property schema allows, through $ref, allOf, oneOf and anyOf. */
function facts(schema, acc = { enums: [], maxLength: [], types: new Set() }) {
  const s = deref(schema);
  if (!s) return acc;
  if (s.enum) acc.enums.push(s.enum.filter((v) => v !== null));
  if (s.enum?.includes(null) || s.const === null) acc.types.add('null');
  if (s.maxLength !== undefined) acc.maxLength.push(s.maxLength);
  for (const t of [s.type].flat().filter(Boolean)) acc.types.add(t);
  for (const k of ['allOf', 'oneOf', 'anyOf']) for (const sub of s[k] ?? []) facts(sub, acc);
  return acc;
}

/** The named schema, or "Name#member" for the items of one of its array members. */
function bodySchema(ref) {
  const [name, member] = ref.split('#');
  let s = deref({ $ref: `#/components/schemas/${name}` });
  assert.ok(s, `components.schemas.${name} exists`);
  if (member) s = deref(deref(s.properties[member]).items);
  return s;
}

const writable = (fields, create) =>
  fields.filter((f) => !f.read_only && !SERVER_OWNED.includes(f.name) && (create || !f.create_only));

function compareBody(resource, ref, fields, create) {
  const schema = bodySchema(ref);
  const props = schema.properties ?? {};
  const mine = writable(fields, create);
  // Members of the body that the server validates on their own (arrays of items).
  const arrays = Object.keys(props).filter((k) => deref(props[k]).type === 'array' && !fields.some((f) => f.name === k));
  assert.deepEqual(
    Object.keys(props).filter((k) => !arrays.includes(k)).sort(),
    mine.map((f) => f.name).sort(),
    `${resource}: the members of ${ref} are the writable fields of the server's table`,
  );
  if (create)
    assert.deepEqual(
      [...(schema.required ?? [])].filter((k) => !arrays.includes(k)).sort(),
      mine.filter((f) => f.required).map((f) => f.name).sort(),
      `${resource}: ${ref} requires what the server requires`,
    );
  for (const f of mine) {
    const p = facts(props[f.name]);
    const where = `${resource}.${f.name} in ${ref}`;
    if (f.type === 'enum') assert.deepEqual(p.enums.at(-1)?.slice().sort(), f.choices.slice().sort(), `${where}: enum`);
    if (f.type === 'string') assert.ok(p.maxLength.includes(f.max), `${where}: maxLength ${f.max}, the spec says ${p.maxLength}`);
    assert.equal(p.types.has('null'), f.nullable, `${where}: nullable is ${f.nullable} in the server`);
  }
}

test('every request body in the contract has exactly the fields, requirements, enums and lengths of the server', () => {
  let checked = 0;
  for (const r of described.resources) {
    if (r.input) compareBody(r.resource, r.input, r.fields, true), checked++;
    if (r.patch) compareBody(r.resource, r.patch, r.fields, false), checked++;
  }
  assert.ok(checked >= 15, `compared ${checked} bodies`);
});

test("every list's filters are its documented query parameters, with the same enums", () => {
  let checked = 0;
  for (const r of described.resources.filter((x) => x.list_path)) {
    const op = spec.paths[r.list_path]?.get;
    assert.ok(op, `GET ${r.list_path} is in the spec`);
    const params = Object.fromEntries((op.parameters ?? []).map((p) => deref(p)).filter((p) => p.in === 'query').map((p) => [p.name, p]));
    for (const f of r.filters) {
      assert.ok(params[f.name], `GET ${r.list_path} documents the filter ${f.name}`);
      if (f.type === 'enum') assert.deepEqual(facts(params[f.name].schema).enums.at(-1)?.slice().sort(), f.choices.slice().sort(), `${r.list_path}?${f.name}: enum`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `compared ${checked} filters`);
});

test("the database's CHECK constraints allow exactly the server's enums and lengths", async () => {
  assert.ok(OWNER_DB, 'CRM_TEST_OWNER_DB names the owner database (scripts/test.sh sets it)');
  const db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  let checked = 0;
  try {
    for (const r of described.resources) {
      const { rows } = await db.query(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`,
        [r.table],
      );
      const defs = rows.map((x) => x.def);
      for (const f of r.fields.filter((x) => !x.read_only)) {
        const col = f.name.replace(/[^a-z_]/g, '');
        for (const def of defs) {
          const inList = def.match(new RegExp(`\\(\\(?${col}\\)? = ANY \\(+ARRAY\\[(.*?)\\]`));
          if (inList && f.type === 'enum') {
            const values = [...inList[1].matchAll(/'([^']*)'/g)].map((m) => m[1]).sort();
            assert.deepEqual(values, f.choices.slice().sort(), `${r.table}.${col}: CHECK ${def}`);
            checked++;
          }
          const length = def.match(new RegExp(`length\\(${col}\\) (?:<= (\\d+)|>= \\d+\\) AND \\(length\\(${col}\\) <= (\\d+))`));
          if (length && f.type === 'string') {
            assert.equal(Number(length[1] ?? length[2]), f.max, `${r.table}.${col}: CHECK ${def}`);
            checked++;
          }
        }
      }
    }
  } finally {
    await db.end();
  }
  assert.ok(checked >= 10, `compared ${checked} constraints`);
});
