/* The pieces of the HTML report (--format html) shared by its files:
 * report_html.c the page (header, filter, causes and their sites, the
 * already-ported inventory), report_html_chart.c the inline SVG bar
 * charts, report_html_deps.c the crates and C libraries with what they
 * depend on. Everything copied from the tree goes through html_text. */
#ifndef ARCHPORT_REPORT_HTML_H
#define ARCHPORT_REPORT_HTML_H

#include <stdio.h>
#include "causes.h"
#include "components.h"
#include "finding.h"

/* Escapes for element content and attribute values alike; control
 * characters and invalid UTF-8 become U+FFFD. */
void html_char(FILE *out, unsigned long cp);
void html_text(FILE *out, const char *s);

/* "1 error" / "3 warnings". */
void html_count(FILE *out, size_t n, const char *noun);

/* A horizontal bar chart (inline SVG) of the errors and warnings, stacked,
 * per rule or per top-level directory; rows with neither are left out
 * (notes are in the inventory). Writes nothing when no row is left. */
void html_chart(FILE *out, const struct finding_list *findings, enum tally_by by);

/* The crates and C libraries section; `components` NULL: nothing. */
void html_components(FILE *out, const struct component_list *components, const struct finding_list *findings);

#endif
