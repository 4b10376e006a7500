/* The JSON report, schema archport-report/1 (SPEC.md). */
#include "finding.h"
#include "json_out.h"

static void write_finding(FILE *out, const struct finding *f)
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
	fputc('}', out);
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
		write_finding(out, &l->items[i]);
	}
	fputs(l->len ? "\n ]}\n" : "]}\n", out);
	return ferror(out) ? -1 : 0;
}
