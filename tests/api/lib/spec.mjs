// spec.mjs: loads openapi/openapi.yaml once and checks a response against it —
// the operation exists, the status and content type are documented, required
// headers are present and the body validates (JSON Schema 2020-12, formats).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SPEC_ID = 'https://crm.example/openapi.yaml';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export const specPath =
  process.env.CRM_TEST_SPEC ?? fileURLToPath(new URL('../../../openapi/openapi.yaml', import.meta.url));

let state; // { spec, ajv, routes, prefix, validators }

function load() {
  if (state) return state;
  let text;
  try {
    text = readFileSync(specPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the OpenAPI spec at ${specPath}: ${err.message}`);
  }
  let spec;
  try {
    spec = parseYaml(text);
  } catch (err) {
    throw new Error(`the OpenAPI spec at ${specPath} is not valid YAML: ${err.message}`);
  }
  assert.ok(spec && typeof spec === 'object' && spec.paths, `${specPath} has no "paths"`);
  assert.match(String(spec.openapi), /^3\.1\./, 'the spec must be OpenAPI 3.1 (JSON Schema 2020-12)');

  // OpenAPI adds keywords (discriminator, xml, example, externalDocs) that are
  // not JSON Schema; strict mode would reject them, so it is off.
  const warned = new Set();
  const logger = {
    log: console.log,
    warn: (...args) => {
      const msg = args.join(' ').replace(/ at path ".*"$/, '');
      if (!warned.has(msg)) {
        warned.add(msg);
        console.warn(`ajv: ${msg}`);
      }
    },
    error: console.error,
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger });
  addFormats(ajv);
  ajv.addSchema(spec, SPEC_ID, undefined, false);

  // A server URL with a path (e.g. "/api") prefixes every route.
  let prefix = '';
  const serverUrl = spec.servers?.[0]?.url;
  if (serverUrl) {
    const p = new URL(serverUrl, 'http://placeholder').pathname.replace(/\/+$/, '');
    prefix = p;
  }

  const routes = Object.keys(spec.paths).map((template) => {
    const segments = template.split('/');
    const literal = segments.filter((s) => s && !/^\{.*\}$/.test(s)).length;
    const source = segments
      .map((s) => (/^\{.*\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return { template, literal, re: new RegExp(`^${source}$`) };
  });
  // A literal segment wins over a template ("/v1/users/me" before "/v1/users/{id}").
  routes.sort((a, b) => b.literal - a.literal);

  state = { spec, ajv, routes, prefix, validators: new Map() };
  return state;
}

/** The parsed spec (loads it on first use). */
export function getSpec() {
  return load().spec;
}

function unescapePointer(part) {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(part) {
  return String(part).replace(/~/g, '~0').replace(/\//g, '~1');
}

function atPointer(pointer) {
  const { spec } = load();
  let node = spec;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter((p) => p !== '')) {
    node = node?.[unescapePointer(part)];
  }
  return node;
}

// Follow $ref of non-schema objects (responses, headers) inside the spec.
function deref(node, pointer) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    assert.ok(node.$ref.startsWith('#/'), `only local $refs are supported (${node.$ref} at ${pointer})`);
    assert.ok(++seen < 20, `$ref loop at ${pointer}`);
    pointer = node.$ref;
    node = atPointer(pointer);
    assert.ok(node !== undefined, `dangling $ref ${pointer}`);
  }
  return { node, pointer };
}

// Local refs "#/components/..." inside a schema are rewritten to point into the
// whole spec, which ajv knows under SPEC_ID.
function rewriteRefs(schema) {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#')) out[k] = SPEC_ID + v;
    else out[k] = rewriteRefs(v);
  }
  return out;
}

function validatorFor(pointer, schema) {
  const st = load();
  let v = st.validators.get(pointer);
  if (!v) {
    v = st.ajv.compile(rewriteRefs(schema));
    st.validators.set(pointer, v);
  }
  return v;
}

/** Which documented path template a concrete request path belongs to, or null. */
export function matchPath(path) {
  const { routes, prefix } = load();
  let p = path.split('?')[0].split('#')[0];
  const candidates = [p];
  if (prefix && p.startsWith(prefix)) candidates.push(p.slice(prefix.length) || '/');
  for (const c of candidates) {
    for (const r of routes) if (r.re.test(c)) return r.template;
  }
  return null;
}

function mediaType(contentType) {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function mediaMatches(documented, actual) {
  const d = documented.toLowerCase();
  if (d === actual || d === '*/*') return true;
  if (d.endsWith('/*')) return actual.startsWith(d.slice(0, -1));
  return false;
}

function isJsonMedia(m) {
  return m === 'application/json' || /\+json$/.test(m);
}

function describeRequest(method, path, res) {
  const snippet = res.text.length > 600 ? `${res.text.slice(0, 600)}…` : res.text;
  return `${method} ${path} → ${res.status} ${res.headers.get('content-type') ?? '(no content-type)'}\n  body: ${snippet || '(empty)'}`;
}

function formatAjvErrors(errors) {
  return (errors ?? [])
    .slice(0, 12)
    .map((e) => `  - body${e.instancePath || ''} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''} (schema ${e.schemaPath})`)
    .join('\n');
}

/**
 * Check a response against the spec. `template`/`docMethod` default to the
 * operation the request itself matches; pass them to check a response of an
 * undocumented request (e.g. an unknown route) against another operation's
 * documented response.
 */
export function checkResponse(method, path, res, { template, docMethod } = {}) {
  const { spec } = load();
  const m = (docMethod ?? method).toLowerCase();
  const tpl = template ?? matchPath(path);
  const where = describeRequest(method, path, res);
  if (!tpl) assert.fail(`OpenAPI: no path in the spec matches ${path}\n${where}`);
  const item = spec.paths[tpl];
  const op = item?.[m];
  if (!op) assert.fail(`OpenAPI: ${m.toUpperCase()} ${tpl} is not documented\n${where}`);

  const opPointer = `#/paths/${escapePointer(tpl)}/${m}`;
  const responses = op.responses ?? {};
  const status = String(res.status);
  const key = [status, `${status[0]}XX`, `${status[0]}xx`, 'default'].find((k) => k in responses);
  if (!key) {
    assert.fail(
      `OpenAPI: status ${status} is not documented for ${m.toUpperCase()} ${tpl} (documented: ${Object.keys(responses).join(', ')})\n${where}`,
    );
  }
  const { node: response, pointer: respPointer } = deref(responses[key], `${opPointer}/responses/${key}`);

  // Headers the spec marks as required must be present.
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const { node: header } = deref(h, `${respPointer}/headers/${name}`);
    if (header?.required && !res.headers.has(name)) {
      assert.fail(`OpenAPI: required response header ${name} missing (${m.toUpperCase()} ${tpl} ${key})\n${where}`);
    }
  }

  const content = response.content ?? {};
  const documented = Object.keys(content);
  const actual = mediaType(res.headers.get('content-type'));
  if (documented.length === 0) {
    if (res.text.length > 0) {
      assert.fail(`OpenAPI: ${m.toUpperCase()} ${tpl} ${key} documents no body but one was sent\n${where}`);
    }
    return;
  }
  if (res.text.length === 0 && !actual) {
    assert.fail(`OpenAPI: ${m.toUpperCase()} ${tpl} ${key} documents a body (${documented.join(', ')}) but none was sent\n${where}`);
  }
  const mt = documented.find((d) => mediaMatches(d, actual));
  if (!mt) {
    assert.fail(
      `OpenAPI: content type "${actual}" is not documented for ${m.toUpperCase()} ${tpl} ${key} (documented: ${documented.join(', ')})\n${where}`,
    );
  }
  const schema = content[mt]?.schema;
  if (schema === undefined) return;
  let value = res.text;
  if (isJsonMedia(actual)) {
    try {
      value = JSON.parse(res.text);
    } catch (err) {
      assert.fail(`response says ${actual} but its body is not JSON (${err.message})\n${where}`);
    }
  }
  const schemaPointer = `${respPointer}/content/${escapePointer(mt)}/schema`;
  const validate = validatorFor(schemaPointer, schema);
  if (!validate(value)) {
    assert.fail(`OpenAPI: body does not match ${schemaPointer}\n${formatAjvErrors(validate.errors)}\n${where}`);
  }
}

/** Validate a value against a named component schema (e.g. "Customer"); returns ajv errors or null. */
export function schemaErrors(name, value) {
  const schema = { $ref: `#/components/schemas/${escapePointer(name)}` };
  const validate = validatorFor(`component:${name}`, schema);
  return validate(value) ? null : validate.errors;
}

/** Every operation documented in the spec, as [METHOD, template]. */
export function operations() {
  const { spec } = load();
  const out = [];
  for (const [tpl, item] of Object.entries(spec.paths)) {
    for (const m of HTTP_METHODS) if (item?.[m]) out.push([m.toUpperCase(), tpl]);
  }
  return out;
}

/**
 * Validate a value against any schema of the spec (a request body or parameter
 * schema; `#/components/...` refs allowed). `key` names the compiled validator
 * for reuse. Returns ajv errors or null.
 */
export function valueErrors(key, schema, value) {
  const validate = validatorFor(`value:${key}`, schema);
  return validate(value) ? null : validate.errors;
}
