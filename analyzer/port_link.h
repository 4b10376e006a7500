/* Link errors of a target build traced to the tree: a symbol the linker
 * misses that a file of the tree defines for the source architecture only
 * (archport port, round after round). */
#ifndef ARCHPORT_PORT_LINK_H
#define ARCHPORT_PORT_LINK_H

struct gated_definition {
	char *rel;     /* the file, relative to the tree's root */
	int line;      /* the definition (C) or its `.globl` (.S) */
	int if_line;   /* C: the #if of the chain holding it; .S: 0 */
};

/* Where below `root` the undefined symbol `sym` (as ld names it: `f`, or
 * `f(int, char*)` for C++) is defined for `source` ("x86_64", "aarch64")
 * only: a .S file with `.globl f` and the label `f:` (its body gated by
 * the preprocessor, or not at all), or a C/C++ function definition at
 * file scope inside an #if/#elif chain whose arms test the source
 * architecture and that has no #else. `skip(ctx, rel, line)` rejects a
 * place already tried. Returns 1 and fills *out, or 0. */
int find_gated_definition(const char *root, const char *source, const char *sym,
			  int (*skip)(const void *ctx, const char *rel, int line), const void *ctx,
			  struct gated_definition *out);
void gated_definition_free(struct gated_definition *d);

#endif
