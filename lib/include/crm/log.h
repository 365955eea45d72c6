/* log.h: the server's log is one JSON object per line, and every line is
 * built here, so that no value can end its string early, add members of its
 * own or break the line:
 *   crm_log_line line = CRM_LOG_LINE_INIT;
 *   crm_log_string(&line, "level", "info");
 *   crm_log_number(&line, "status", 200);
 *   crm_log_write(&line, stdout);
 * A line holds at most CRM_LOG_LINE_MAX bytes; what does not fit is left out
 * (a string is cut at a character boundary and closed, a member that does not
 * fit at all is dropped), and the line is still one JSON object. */
#ifndef CRM_LOG_H
#define CRM_LOG_H

#include <stddef.h>
#include <stdio.h>

#define CRM_LOG_LINE_MAX 2048

typedef struct crm_log_line {
    char text[CRM_LOG_LINE_MAX];
    size_t len;
} crm_log_line;

#define CRM_LOG_LINE_INIT {{0}, 0}

/* crm_log_string: add member `name` with `value` (NULL counts as "") as a JSON
 * string: ", \ and every control character escaped, and every byte that is
 * not part of well-formed UTF-8 written as \ufffd. */
void crm_log_string(crm_log_line *line, const char *name, const char *value);

/* crm_log_number: add member `name` with a number, printed with `decimals`
 * digits after the point (0: an integer). */
void crm_log_number(crm_log_line *line, const char *name, double value, int decimals);

/* crm_log_write: close the object and write it as one line to `to` (one
 * write, so lines of several threads do not interleave). */
void crm_log_write(crm_log_line *line, FILE *to);

#endif
