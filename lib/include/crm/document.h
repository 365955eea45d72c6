/* document.h: business documents (quotation, contract, delivery note) rendered
 * from their API JSON as a printable PDF (cairo + pango) or as CSV of the lines. */
#ifndef CRM_DOCUMENT_H
#define CRM_DOCUMENT_H

#include <jansson.h>
#include <stddef.h>

/* crm_document_pdf: render `doc` (the resource's JSON as the API returns it) as
 * an A4 PDF titled after `kind`: "quotation", "contract" or "delivery note".
 * Renders what is present: number and revision, status, dates, customer_name,
 * currency, the `lines` table (a column only when some line has its key),
 * net_total/tax_total/gross_total, `installments`, and notes; long tables
 * break across pages with the header repeated, and every page is numbered.
 * Text is real text in an embedded CJK font subset, so it can be copied and
 * extracted. Safe to call from several threads at once; at most a few render
 * at once, the others are refused at once (capacity.h).
 * Returns 0, CRM_EINVALID for an unknown kind or a doc that is not an object,
 * CRM_EUNAVAILABLE (Retry-After set) when the renderers are all busy,
 * CRM_ERATELIMIT when the caller's tenant or user renders or searches
 * already (its share, capacity.h), or CRM_ERROR. On success *out (malloc'd, *len bytes) is the caller's. */
int crm_document_pdf(unsigned char **out, size_t *len, const char *kind, const json_t *doc);

/* crm_document_hold: take a renderer's place for the calling thread ahead of
 * crm_document_pdf, so that a request the pool (or the caller's share of
 * expensive work) would refuse is refused before reading its document; the
 * thread's renders until crm_document_release() use that place. Returns 0,
 * CRM_EUNAVAILABLE or CRM_ERATELIMIT (Retry-After set). */
int crm_document_hold(void);
void crm_document_release(void);

/* crm_document_csv: the `lines` of `doc` as CSV: a UTF-8 byte order mark (so
 * Excel reads UTF-8), a header row, one row per line, RFC 4180 quoting and
 * CRLF line ends. Columns as in the PDF; numbers are the decimal strings given.
 * A text cell that a spreadsheet would read as a formula (=, +, -, @) is
 * prefixed with an apostrophe.
 * Returns 0, CRM_EINVALID when doc is not an object, or CRM_ERROR. On success
 * *out (malloc'd, NUL-terminated, *len bytes without the NUL) is the caller's. */
int crm_document_csv(char **out, size_t *len, const json_t *doc);

/* A column of crm_document_csv_rows: the member of each row it shows (also
 * its header), and whether it is free text a spreadsheet might read as a
 * formula. A table of them ends with a {NULL} entry. */
typedef struct crm_csv_column {
    const char *key;
    int text;
} crm_csv_column;

/* crm_document_csv_rows: `rows` (a JSON array of objects) as CSV in the
 * columns `columns`, in the same form as crm_document_csv: a byte order mark,
 * a header line of the keys, one line per row (strings as they are, numbers
 * in full, null or absent empty), RFC 4180 quoting, CRLF line ends, and text
 * cells guarded against formulas. Returns 0 or CRM_ERROR; on success *out
 * (malloc'd, NUL-terminated, *len bytes without the NUL) is the caller's. */
int crm_document_csv_rows(char **out, size_t *len, const json_t *rows, const crm_csv_column *columns);

/* crm_document_shutdown: release the font and rendering caches of cairo, pango
 * and fontconfig. Call once at exit, after every thread that rendered has
 * finished; no rendering afterwards. */
void crm_document_shutdown(void);

#endif
