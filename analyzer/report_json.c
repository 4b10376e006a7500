/* The JSON report, schema archport-report/1 (SPEC.md), with the root
 * causes (causes.h): a `cause` id per finding and a `causes` list. */
#include "causes.h"
#include "finding.h"
#include "json_out.h"

static void write_finding(FILE *out, const struct finding *f, const struct cause *c)
{
	fputs("    {\"rule\": ", out);
	json_write_string(out, f->rule);
	fprintf(out, ", \"severity\": \"%s\", \"file\": ", severity_name(f->severity));
	json_write_string(out, f->file);
	fprintf(out, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d, \"message\": ",
		f->line, f->column, f->end_line, f->end_column);
	json_write_string(out, f->message);
	fputs(", \"fix\": ", out);
	json_write_string(out, f->fix ? f->fix : "none");
	if (c) {
		fputs(", \"cause\": ", out);
		json_write_string(out, c->id);
	}
	fputc('}', out);
}

void cause_write_json(FILE *out, const struct cause *c, const struct finding *first)
{
	fputs("{\"id\": ", out);
	json_write_string(out, c->id);
	fprintf(out, ", \"order\": %zu, \"rule\": ", c->order);
	json_write_string(out, c->rule);
	fprintf(out, ", \"severity\": \"%s\", \"title\": ", severity_name(c->severity));
	json_write_string(out, c->title);
	fputs(", \"root_file\": ", out);
	json_write_string(out, c->file);
	fprintf(out, ", \"blocks\": %zu, \"count\": %zu, \"errors\": %zu, \"warnings\": %zu, \"notes\": %zu, "
		"\"files\": [", c->blocks, c->count, c->errors, c->warnings, c->notes);
	for (size_t i = 0; i < c->nfiles; i++) {
		if (i)
			fputs(", ", out);
		json_write_string(out, c->files[i]);
	}
	fputs("], \"first\": {\"file\": ", out);
	json_write_string(out, first->file);
	fprintf(out, ", \"line\": %d, \"column\": %d}}", first->line, first->column);
}

static void write_causes(FILE *out, const struct cause_list *causes, const struct finding_list *l)
{
	fputs(",\n \"causes\": [", out);
	for (size_t i = 0; i < causes->len; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		cause_write_json(out, &causes->items[i], &l->items[causes->items[i].findings[0]]);
	}
	fputs(causes->len ? "\n ]" : "]", out);
}

int report_json(FILE *out, const struct report *r)
{
	const struct finding_list *l = r->findings;
	fputs("{\"schema\": \"archport-report/1\",\n \"tool\": {\"name\": \"archport\", \"version\": ", out);
	json_write_string(out, r->tool_version);
	fputs("},\n \"target\": ", out);
	json_write_string(out, r->target);
	fputs(", \"root\": ", out);
	json_write_string(out, r->root);
	fprintf(out, ",\n \"summary\": {\"files\": %zu, \"lines\": %zu, \"errors\": %zu, \"warnings\": %zu, \"notes\": %zu, "
		"\"suppressed\": %zu",
		r->files, r->lines, findings_count(l, SEV_ERROR), findings_count(l, SEV_WARNING),
		findings_count(l, SEV_NOTE), r->suppressed);
	if (r->has_baseline)
		fprintf(out, ", \"baseline\": %zu", r->baseline_known);
	if (r->source_note) {
		fputs(", \"source_note\": ", out);
		json_write_string(out, r->source_note);
	}
	fputs("},\n", out);
	fputs(" \"findings\": [", out);
	for (size_t i = 0; i < l->len; i++) {
		fputs(i ? ",\n" : "\n", out);
		write_finding(out, &l->items[i], r->causes ? cause_of(r->causes, i) : NULL);
	}
	fputs(l->len ? "\n ]" : "]", out);
	if (r->causes)
		write_causes(out, r->causes, l);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}
