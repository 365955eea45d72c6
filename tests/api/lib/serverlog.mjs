// serverlog.mjs: reads what the server under test wrote to its log since the
// last look, and picks out database failures that no request should cause.
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';

// SQLSTATEs that are the expected way for a write to lose: a unique key taken
// (409), a reference gone (422), a serialization or deadlock retry (409), and
// our own trigger's "the customer is gone" (404). Anything else — a data
// exception (22xxx: a value the server let through to SQL), a CHECK or NOT NULL
// violation, a syntax or undefined-object error — means the server failed to
// validate or built a bad statement.
export const EXPECTED_SQLSTATES = new Set(['23505', '23503', '40001', '40P01', 'CR404']);

export class ServerLog {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, 'r');
    this.offset = fstatSync(this.fd).size;
    this.rest = '';
  }

  /** Lines appended since the previous call. */
  readNew() {
    const size = fstatSync(this.fd).size;
    if (size < this.offset) this.offset = 0; // truncated: start over
    const parts = [];
    while (this.offset < size) {
      const buf = Buffer.alloc(Math.min(1 << 20, size - this.offset));
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      parts.push(buf.subarray(0, n).toString('utf8'));
    }
    const text = this.rest + parts.join('');
    const lines = text.split('\n');
    this.rest = lines.pop();
    return lines;
  }

  /** Database failures among the new lines: [{line, sqlstate, level}]. */
  failures() {
    const out = [];
    for (const line of this.readNew()) {
      if (!line.startsWith('{')) {
        if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(line)) out.push({ line, level: 'sanitizer' });
        continue;
      }
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      const isSql = entry.msg === 'sql failed';
      if (entry.level === 'error' || (isSql && !EXPECTED_SQLSTATES.has(entry.sqlstate))) {
        out.push({ line, sqlstate: entry.sqlstate, level: entry.level, msg: entry.msg });
      }
    }
    return out;
  }

  close() {
    closeSync(this.fd);
  }
}
