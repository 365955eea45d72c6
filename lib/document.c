/* document.c: quotations, contracts and delivery notes as PDF (cairo's PDF
 * surface, text laid out by pango in a CJK font) and their lines as CSV. */
#include "crm/document.h"
#include "crm/capacity.h"
#include "crm/error.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A4 portrait in PDF points, and the frame everything is drawn in. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 36.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define FOOTER_H 24.0
#define CELL_PAD 3.0

/* Families in order of preference; fontconfig falls back for anything missing. */
#define FONT_FAMILY "WenQuanYi Micro Hei,Noto Sans CJK SC,Noto Sans CJK,sans-serif"

/* A long document takes a worker thread for a good part of a second: at most
 * this many render at once, beyond it the caller is refused at once
 * (capacity.h says why nobody waits). */
static crm_capacity rendering =
    CRM_CAPACITY_FAIR_INIT(2, "The server is busy rendering other documents; retry in a moment.");

int crm_document_hold(void) { return crm_capacity_enter(&rendering); }

void crm_document_release(void) { crm_capacity_leave(&rendering); }

/* ---- growable byte buffer ------------------------------------------------ */

typedef struct buffer {
    unsigned char *data;
    size_t len, cap;
    int failed;
} buffer;

static void buffer_add(buffer *b, const void *bytes, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buffer_str(buffer *b, const char *s) { buffer_add(b, s, strlen(s)); }

static cairo_status_t buffer_write(void *closure, const unsigned char *bytes, unsigned int n)
{
    buffer *b = closure;
    buffer_add(b, bytes, n);
    return b->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* ---- what a document shows ----------------------------------------------- */

typedef struct column {
    const char *key;
    const char *zh, *en; /* header: Chinese above English; CSV uses `en` */
    double width;        /* points; 0 = takes what is left */
    int right;           /* right-aligned (numbers) */
    int text;            /* free text a spreadsheet might read as a formula */
    int percent;         /* the PDF drops trailing fractional zeros: 13.0000 -> 13 */
} column;

/* The `#` column is always there: line_no, else seq, else the position. */
static const column LINE_COLUMNS[] = {
    {"line_no", "序号", "#", 26, 1, 0, 0},
    {"description", "品名 / 描述", "Description", 0, 0, 1, 0},
    {"quantity", "数量", "Quantity", 48, 1, 0, 0},
    {"unit", "单位", "Unit", 28, 0, 1, 0},
    {"unit_price", "单价", "Unit price", 52, 1, 0, 0},
    {"discount_percent", "折扣 %", "Discount %", 46, 1, 0, 1},
    {"tax_rate", "税率 %", "Tax %", 34, 1, 0, 1},
    {"net", "金额", "Net", 58, 1, 0, 0},
    {"tax", "税额", "Tax", 50, 1, 0, 0},
    {"gross", "价税合计", "Gross", 58, 1, 0, 0},
};
#define N_LINE_COLUMNS (sizeof LINE_COLUMNS / sizeof LINE_COLUMNS[0])

static const column INSTALLMENT_COLUMNS[] = {
    {"seq", "期次", "#", 40, 1, 0, 0},
    {"due_date", "到期日", "Due date", 120, 0, 0, 0},
    {"amount", "金额", "Amount", 120, 1, 0, 0},
};
#define N_INSTALLMENT_COLUMNS (sizeof INSTALLMENT_COLUMNS / sizeof INSTALLMENT_COLUMNS[0])

typedef struct field {
    const char *key, *label;
} field;

/* The header block, in this order, each when present. */
static const field META[] = {
    {"number", "编号 No."},
    {"revision", "版本 Revision"},
    {"status", "状态 Status"},
    {"customer_name", "客户 Customer"},
    {"contact_name", "联系人 Contact"},
    {"quotation_number", "报价单 Quotation"},
    {"contract_number", "合同 Contract"},
    {"currency", "币种 Currency"},
    {"valid_until", "有效期至 Valid until"},
    {"signed_on", "签订日期 Signed on"},
    {"delivery_due", "交货期 Delivery due"},
    {"shipping_date", "发货日期 Shipping date"},
    {"warehouse", "仓库 Warehouse"},
    {"carrier", "承运人 Carrier"},
    {"tracking_no", "运单号 Tracking no."},
};

static const field TOTALS[] = {
    {"net_total", "不含税金额 Net total"},
    {"tax_total", "税额 Tax total"},
    {"gross_total", "价税合计 Gross total"},
};

static const field STATUSES[] = {
    {"draft", "草稿"},       {"sent", "已发送"},      {"accepted", "已接受"}, {"rejected", "已拒绝"},
    {"expired", "已过期"},   {"active", "执行中"},    {"completed", "已完成"}, {"cancelled", "已取消"},
    {"pending", "待发货"},   {"shipped", "已发货"},   {"delivered", "已送达"},
};

static const struct {
    const char *kind, *title;
} KINDS[] = {
    {"quotation", "报价单 Quotation"},
    {"contract", "销售合同 Contract"},
    {"delivery note", "送货单 Delivery note"},
};

/* The text of a JSON scalar as shown: strings as given, numbers printed, null
 * and absent as "". Returns `s` or `buf`. */
static const char *scalar_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, size, "%.15g", json_real_value(v));
        return buf;
    }
    if (json_is_true(v))
        return "yes";
    if (json_is_false(v))
        return "no";
    return "";
}

static const char *cell_text(const column *col, const json_t *row, size_t index, char *buf, size_t size)
{
    const json_t *v = json_object_get(row, col->key);
    if (col == &LINE_COLUMNS[0] || col == &INSTALLMENT_COLUMNS[0]) {
        if (!v || json_is_null(v))
            v = json_object_get(row, col == &LINE_COLUMNS[0] ? "seq" : "line_no");
        if (!v || json_is_null(v)) {
            snprintf(buf, size, "%zu", index + 1);
            return buf;
        }
    }
    return scalar_text(v, buf, size);
}

/* Which of `cols` to show for `rows`: the first always, the others when some
 * row has the key. Fills `shown` with their indexes and `widths` so that they
 * span `total` points. Returns how many. */
static size_t pick_columns(size_t *shown, double *widths, const column *cols, size_t ncols, const json_t *rows,
                           double total)
{
    size_t n = 0, flex = (size_t)-1;
    double fixed = 0;
    for (size_t c = 0; c < ncols; c++) {
        int present = c == 0;
        size_t i;
        const json_t *row;
        json_array_foreach(rows, i, row) {
            if (present)
                break;
            present = json_object_get(row, cols[c].key) != NULL;
        }
        if (!present)
            continue;
        widths[n] = cols[c].width;
        if (cols[c].width == 0)
            flex = n;
        fixed += cols[c].width;
        shown[n++] = c;
    }
    if (total <= 0)
        return n;
    if (flex != (size_t)-1 && fixed < total) {
        widths[flex] = total - fixed;
    } else if (fixed > 0) {
        /* No flexible column: keep the widths, shrunk in proportion when
         * they would run past the margin. */
        double scale = fixed > total ? total / fixed : 1.0;
        for (size_t i = 0; i < n; i++)
            widths[i] *= scale;
    }
    return n;
}

/* ---- PDF ----------------------------------------------------------------- */

typedef struct render {
    cairo_t *cr;
    PangoFontDescription *body, *bold, *small, *title, *cell, *head;
    const char *title_text;
    char number[128];
    int drawing; /* second pass: draw; the first only counts pages */
    int page, pages;
    double y;
} render;

static PangoLayout *make_layout(render *r, const PangoFontDescription *font, const char *text, double width,
                                PangoAlignment align)
{
    PangoLayout *layout = pango_cairo_create_layout(r->cr);
    pango_layout_set_font_description(layout, font);
    if (width > 0) {
        pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(layout, align);
    pango_layout_set_text(layout, text, -1);
    return layout;
}

static double layout_height(PangoLayout *layout)
{
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    return (double)logical.height / PANGO_SCALE;
}

static void show(render *r, PangoLayout *layout, double x, double y)
{
    if (!r->drawing)
        return;
    cairo_move_to(r->cr, x, y);
    pango_cairo_show_layout(r->cr, layout);
}

/* One line of text at (x, y); returns its height. */
static double text_at(render *r, const PangoFontDescription *font, const char *text, double x, double y, double width,
                      PangoAlignment align)
{
    PangoLayout *layout = make_layout(r, font, text, width, align);
    double h = layout_height(layout);
    show(r, layout, x, y);
    g_object_unref(layout);
    return h;
}

static void footer(render *r)
{
    if (!r->drawing)
        return;
    char text[96];
    snprintf(text, sizeof text, "第 %d 页，共 %d 页 · Page %d of %d", r->page, r->pages, r->page, r->pages);
    cairo_set_source_rgb(r->cr, 0.35, 0.35, 0.35);
    text_at(r, r->small, text, MARGIN, PAGE_H - MARGIN + 6, CONTENT_W, PANGO_ALIGN_CENTER);
    if (r->number[0])
        text_at(r, r->small, r->number, MARGIN, PAGE_H - MARGIN + 6, CONTENT_W, PANGO_ALIGN_RIGHT);
    cairo_set_source_rgb(r->cr, 0, 0, 0);
}

static void new_page(render *r)
{
    if (r->page > 0) {
        footer(r);
        if (r->drawing)
            cairo_show_page(r->cr);
    }
    r->page++;
    r->y = MARGIN;
    if (r->page > 1) {
        /* Continuation pages say what they continue. */
        char text[256];
        snprintf(text, sizeof text, "%s %s（续 continued）", r->title_text, r->number);
        cairo_set_source_rgb(r->cr, 0.35, 0.35, 0.35);
        r->y += text_at(r, r->small, text, MARGIN, r->y, CONTENT_W, PANGO_ALIGN_LEFT) + 8;
        cairo_set_source_rgb(r->cr, 0, 0, 0);
    }
}

static double bottom(void) { return PAGE_H - MARGIN - FOOTER_H; }

/* Start a new page unless `height` more points fit on this one. Returns 1 when it did. */
static int ensure(render *r, double height)
{
    if (r->y + height <= bottom())
        return 0;
    new_page(r);
    return 1;
}

static void rule(render *r, double x0, double x1, double y, double grey, double width)
{
    if (!r->drawing)
        return;
    cairo_set_source_rgb(r->cr, grey, grey, grey);
    cairo_set_line_width(r->cr, width);
    cairo_move_to(r->cr, x0, y);
    cairo_line_to(r->cr, x1, y);
    cairo_stroke(r->cr);
    cairo_set_source_rgb(r->cr, 0, 0, 0);
}

/* A paragraph that may run over pages, broken between its lines. */
static void paragraph(render *r, const PangoFontDescription *font, const char *text, double x, double width)
{
    PangoLayout *layout = make_layout(r, font, text, width, PANGO_ALIGN_LEFT);
    PangoLayoutIter *iter = pango_layout_get_iter(layout);
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(iter, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        double baseline = (double)(pango_layout_iter_get_baseline(iter) - logical.y) / PANGO_SCALE;
        ensure(r, h);
        if (r->drawing) {
            cairo_move_to(r->cr, x + (double)logical.x / PANGO_SCALE, r->y + baseline);
            pango_cairo_show_layout_line(r->cr, pango_layout_iter_get_line_readonly(iter));
        }
        r->y += h;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
    g_object_unref(layout);
}

typedef struct table {
    const column *cols;
    size_t shown[N_LINE_COLUMNS];
    double widths[N_LINE_COLUMNS];
    size_t n;
} table;

static void table_header(render *r, const table *t)
{
    double h = 0;
    PangoLayout *cells[N_LINE_COLUMNS];
    for (size_t i = 0; i < t->n; i++) {
        const column *col = &t->cols[t->shown[i]];
        char text[96];
        snprintf(text, sizeof text, "%s\n%s", col->zh, col->en);
        cells[i] = make_layout(r, r->head, text, t->widths[i] - 2 * CELL_PAD,
                               col->right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
        double ch = layout_height(cells[i]);
        if (ch > h)
            h = ch;
    }
    h += 2 * CELL_PAD;
    ensure(r, h + 20); /* never a header alone at the foot of a page */
    double total = 0;
    for (size_t i = 0; i < t->n; i++)
        total += t->widths[i];
    if (r->drawing) {
        cairo_set_source_rgb(r->cr, 0.90, 0.92, 0.95);
        cairo_rectangle(r->cr, MARGIN, r->y, total, h);
        cairo_fill(r->cr);
        cairo_set_source_rgb(r->cr, 0, 0, 0);
    }
    double x = MARGIN;
    for (size_t i = 0; i < t->n; i++) {
        show(r, cells[i], x + CELL_PAD, r->y + CELL_PAD);
        g_object_unref(cells[i]);
        x += t->widths[i];
    }
    r->y += h;
    rule(r, MARGIN, MARGIN + total, r->y, 0.3, 0.8);
}

/* "13.0000" -> "13", "12.5000" -> "12.5"; anything else as it is. Returns `text` or `buf`. */
static const char *trim_zeros(char *buf, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (!strchr(text, '.') || n >= size || strspn(text, "-0123456789.") != n)
        return text;
    memcpy(buf, text, n + 1);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    return buf;
}

static void table_rows(render *r, const table *t, const json_t *rows)
{
    double total = 0;
    for (size_t i = 0; i < t->n; i++)
        total += t->widths[i];
    table_header(r, t);
    size_t index;
    const json_t *row;
    json_array_foreach(rows, index, row) {
        PangoLayout *cells[N_LINE_COLUMNS];
        double h = 0;
        for (size_t i = 0; i < t->n; i++) {
            const column *col = &t->cols[t->shown[i]];
            char buf[64], trimmed[64];
            const char *text = json_is_object(row) ? cell_text(col, row, index, buf, sizeof buf) : "";
            if (col->percent)
                text = trim_zeros(trimmed, sizeof trimmed, text);
            cells[i] = make_layout(r, r->cell, text, t->widths[i] - 2 * CELL_PAD,
                                   col->right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
            double ch = layout_height(cells[i]);
            if (ch > h)
                h = ch;
        }
        h += 2 * CELL_PAD;
        /* A row taller than a whole page is drawn where it starts rather than
         * breaking forever. */
        if (r->y + h > bottom() && h <= bottom() - MARGIN - 60) {
            new_page(r);
            table_header(r, t);
        }
        double x = MARGIN;
        for (size_t i = 0; i < t->n; i++) {
            show(r, cells[i], x + CELL_PAD, r->y + CELL_PAD);
            g_object_unref(cells[i]);
            x += t->widths[i];
        }
        r->y += h;
        rule(r, MARGIN, MARGIN + total, r->y, 0.75, 0.4);
    }
}

static void section_title(render *r, const char *text)
{
    r->y += 10;
    PangoLayout *layout = make_layout(r, r->bold, text, CONTENT_W, PANGO_ALIGN_LEFT);
    double h = layout_height(layout);
    ensure(r, h + 30);
    show(r, layout, MARGIN, r->y);
    g_object_unref(layout);
    r->y += h + 4;
}

/* Label/value pairs in two columns. */
static void meta_block(render *r, const json_t *doc)
{
    const double label_w = 100, value_w = CONTENT_W / 2 - label_w - 8;
    size_t slot = 0;
    double row_h = 0;
    for (size_t i = 0; i < sizeof META / sizeof META[0]; i++) {
        const json_t *v = json_object_get(doc, META[i].key);
        char buf[64], value[256];
        const char *text = scalar_text(v, buf, sizeof buf);
        if (!*text)
            continue;
        if (strcmp(META[i].key, "status") == 0) {
            for (size_t s = 0; s < sizeof STATUSES / sizeof STATUSES[0]; s++)
                if (strcmp(STATUSES[s].key, text) == 0) {
                    snprintf(value, sizeof value, "%s %s", STATUSES[s].label, text);
                    text = value;
                    break;
                }
        }
        PangoLayout *label = make_layout(r, r->small, META[i].label, label_w, PANGO_ALIGN_LEFT);
        PangoLayout *val = make_layout(r, r->body, text, value_w, PANGO_ALIGN_LEFT);
        double h = layout_height(val);
        if (layout_height(label) > h)
            h = layout_height(label);
        double x = MARGIN + (slot % 2) * (CONTENT_W / 2);
        if (slot % 2 == 0)
            ensure(r, h);
        cairo_set_source_rgb(r->cr, 0.35, 0.35, 0.35);
        show(r, label, x, r->y + 1);
        cairo_set_source_rgb(r->cr, 0, 0, 0);
        show(r, val, x + label_w, r->y);
        g_object_unref(label);
        g_object_unref(val);
        if (h > row_h)
            row_h = h;
        if (slot % 2 == 1) {
            r->y += row_h + 3;
            row_h = 0;
        }
        slot++;
    }
    r->y += row_h + 6;
}

static void totals_block(render *r, const json_t *doc)
{
    const char *currency = json_string_value(json_object_get(doc, "currency"));
    const double label_w = 170, value_w = 110, x = MARGIN + CONTENT_W - label_w - value_w;
    int any = 0;
    r->y += 6;
    for (size_t i = 0; i < sizeof TOTALS / sizeof TOTALS[0]; i++) {
        char buf[64], label[128];
        const char *text = scalar_text(json_object_get(doc, TOTALS[i].key), buf, sizeof buf);
        if (!*text)
            continue;
        any = 1;
        if (currency)
            snprintf(label, sizeof label, "%s (%s)", TOTALS[i].label, currency);
        else
            snprintf(label, sizeof label, "%s", TOTALS[i].label);
        int last = strcmp(TOTALS[i].key, "gross_total") == 0;
        const PangoFontDescription *font = last ? r->bold : r->body;
        PangoLayout *l = make_layout(r, font, label, label_w, PANGO_ALIGN_RIGHT);
        PangoLayout *v = make_layout(r, font, text, value_w, PANGO_ALIGN_RIGHT);
        double h = layout_height(v) > layout_height(l) ? layout_height(v) : layout_height(l);
        ensure(r, h);
        show(r, l, x, r->y);
        show(r, v, x + label_w, r->y);
        g_object_unref(l);
        g_object_unref(v);
        r->y += h + 3;
    }
    if (any)
        r->y += 4;
}

/* Lays out the whole document once; draws only when r->drawing. */
static void render_document(render *r, const json_t *doc)
{
    r->page = 0;
    new_page(r);
    r->y += text_at(r, r->title, r->title_text, MARGIN, r->y, CONTENT_W, PANGO_ALIGN_LEFT) + 6;
    rule(r, MARGIN, MARGIN + CONTENT_W, r->y, 0.2, 1.2);
    r->y += 10;
    meta_block(r, doc);

    const json_t *lines = json_object_get(doc, "lines");
    if (json_is_array(lines)) {
        table t = {.cols = LINE_COLUMNS};
        t.n = pick_columns(t.shown, t.widths, LINE_COLUMNS, N_LINE_COLUMNS, lines, CONTENT_W);
        section_title(r, "明细 Lines");
        table_rows(r, &t, lines);
    }
    totals_block(r, doc);

    const json_t *installments = json_object_get(doc, "installments");
    if (json_is_array(installments) && json_array_size(installments) > 0) {
        table t = {.cols = INSTALLMENT_COLUMNS};
        t.n = pick_columns(t.shown, t.widths, INSTALLMENT_COLUMNS, N_INSTALLMENT_COLUMNS, installments, CONTENT_W);
        section_title(r, "付款计划 Payment plan");
        table_rows(r, &t, installments);
    }

    const char *notes = json_string_value(json_object_get(doc, "notes"));
    if (notes && *notes) {
        section_title(r, "备注 Notes");
        paragraph(r, r->body, notes, MARGIN, CONTENT_W);
    }
    footer(r);
    if (r->drawing)
        cairo_show_page(r->cr);
}

static PangoFontDescription *font(double size, PangoWeight weight)
{
    PangoFontDescription *desc = pango_font_description_from_string(FONT_FAMILY);
    pango_font_description_set_size(desc, (int)(size * PANGO_SCALE));
    pango_font_description_set_weight(desc, weight);
    return desc;
}

int crm_document_pdf(unsigned char **out, size_t *len, const char *kind, const json_t *doc)
{
    *out = NULL;
    *len = 0;
    const char *title = NULL;
    for (size_t i = 0; kind && i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].kind, kind) == 0)
            title = KINDS[i].title;
    if (!title)
        return crm_error_set(CRM_EINVALID, "unknown document kind %s", kind ? kind : "(null)");
    if (!json_is_object(doc))
        return crm_error_set(CRM_EINVALID, "the document is not a JSON object");

    int rc = crm_capacity_enter(&rendering);
    if (rc < 0)
        return rc;
    rc = CRM_ERROR;
    buffer pdf = {0};
    render r = {.title_text = title};
    const char *number = json_string_value(json_object_get(doc, "number"));
    snprintf(r.number, sizeof r.number, "%s", number ? number : "");
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(buffer_write, &pdf, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                   r.number[0] ? r.number : title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "CRM");
    r.cr = cairo_create(surface);
    r.body = font(8.5, PANGO_WEIGHT_NORMAL);
    r.bold = font(8.5, PANGO_WEIGHT_BOLD);
    r.small = font(7.5, PANGO_WEIGHT_NORMAL);
    r.title = font(18, PANGO_WEIGHT_BOLD);
    r.cell = font(7.5, PANGO_WEIGHT_NORMAL);
    r.head = font(7, PANGO_WEIGHT_BOLD);

    /* First pass counts the pages so the second can say "page n of N". */
    render_document(&r, doc);
    r.pages = r.page;
    r.drawing = 1;
    render_document(&r, doc);

    cairo_status_t status = cairo_status(r.cr);
    cairo_destroy(r.cr);
    cairo_surface_finish(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    pango_font_description_free(r.body);
    pango_font_description_free(r.bold);
    pango_font_description_free(r.small);
    pango_font_description_free(r.title);
    pango_font_description_free(r.cell);
    pango_font_description_free(r.head);
    crm_capacity_leave(&rendering);

    if (status != CAIRO_STATUS_SUCCESS || pdf.failed) {
        crm_error_set(CRM_ERROR, "rendering the PDF failed: %s",
                      pdf.failed ? "out of memory" : cairo_status_to_string(status));
        free(pdf.data);
        goto done;
    }
    *out = pdf.data;
    *len = pdf.len;
    rc = 0;
done:
    return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_cell(buffer *b, const char *text, int formula_guard)
{
    /* Excel evaluates a cell starting with = + - @ (or a tab/CR before one). */
    int guard = formula_guard && strchr("=+-@\t\r", text[0]) && text[0];
    int quote = guard || strpbrk(text, ",\"\r\n") != NULL;
    if (!quote) {
        buffer_str(b, text);
        return;
    }
    buffer_str(b, guard ? "\"'" : "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            buffer_add(b, "\"", 1);
        buffer_add(b, p, 1);
    }
    buffer_str(b, "\"");
}

/* Hand the CSV over to the caller, or fail when memory ran out writing it. */
static int csv_finish(char **out, size_t *len, buffer *csv)
{
    if (csv->failed) {
        free(csv->data);
        return crm_error_set(CRM_ERROR, "out of memory writing the CSV");
    }
    *out = (char *)csv->data;
    *len = csv->len;
    return 0;
}

/* A UTF-8 byte order mark, so that Excel reads the CSV as UTF-8. */
#define CSV_BOM "\xEF\xBB\xBF"

int crm_document_csv(char **out, size_t *len, const json_t *doc)
{
    *out = NULL;
    *len = 0;
    if (!json_is_object(doc))
        return crm_error_set(CRM_EINVALID, "the document is not a JSON object");
    const json_t *lines = json_object_get(doc, "lines");
    json_t *none = json_array();
    if (!json_is_array(lines))
        lines = none;

    table t = {.cols = LINE_COLUMNS};
    t.n = pick_columns(t.shown, t.widths, LINE_COLUMNS, N_LINE_COLUMNS, lines, 0);
    buffer csv = {0};
    buffer_str(&csv, CSV_BOM);
    for (size_t i = 0; i < t.n; i++) {
        if (i)
            buffer_str(&csv, ",");
        csv_cell(&csv, LINE_COLUMNS[t.shown[i]].en, 0);
    }
    buffer_str(&csv, "\r\n");
    size_t index;
    const json_t *row;
    json_array_foreach(lines, index, row) {
        for (size_t i = 0; i < t.n; i++) {
            const column *col = &LINE_COLUMNS[t.shown[i]];
            char buf[64];
            if (i)
                buffer_str(&csv, ",");
            csv_cell(&csv, json_is_object(row) ? cell_text(col, row, index, buf, sizeof buf) : "", col->text);
        }
        buffer_str(&csv, "\r\n");
    }
    json_decref(none);
    return csv_finish(out, len, &csv);
}

int crm_document_csv_rows(char **out, size_t *len, const json_t *rows, const crm_csv_column *columns)
{
    *out = NULL;
    *len = 0;
    buffer csv = {0};
    buffer_str(&csv, CSV_BOM);
    for (const crm_csv_column *c = columns; c->key; c++) {
        if (c != columns)
            buffer_str(&csv, ",");
        csv_cell(&csv, c->key, 0);
    }
    buffer_str(&csv, "\r\n");
    size_t index;
    const json_t *row;
    json_array_foreach(rows, index, row) {
        for (const crm_csv_column *c = columns; c->key; c++) {
            char buf[64];
            if (c != columns)
                buffer_str(&csv, ",");
            csv_cell(&csv, scalar_text(json_object_get(row, c->key), buf, sizeof buf), c->text);
        }
        buffer_str(&csv, "\r\n");
    }
    return csv_finish(out, len, &csv);
}

void crm_document_shutdown(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}
