/* Three-valued evaluation of #if/#elif expressions for one target.
 * A value is known or unknown; `0 && unknown` is known false, as the
 * preprocessor's short-circuit rules imply. */
#ifndef ARCHPORT_PP_EXPR_H
#define ARCHPORT_PP_EXPR_H

#include <stddef.h>

enum tri { TRI_FALSE = 0, TRI_TRUE = 1, TRI_UNKNOWN = 2 };
/* Three-valued logic: FALSE wins an AND, TRUE wins an OR, else UNKNOWN
 * unless both sides are decided. */
enum tri tri_and(enum tri a, enum tri b);
enum tri tri_or(enum tri a, enum tri b);
enum tri tri_not(enum tri a);

struct pp_env {
	/* Is NAME defined here? */
	enum tri (*defined)(void *self, const char *name, size_t n);
	/* The body of an object-like macro known to be defined, else NULL;
	 * *function_like is set for function-like macros. */
	const char *(*body)(void *self, const char *name, size_t n, int *function_like);
	/* Does __has_include(<hdr>) hold on the target? */
	enum tri (*has_include)(void *self, const char *hdr, size_t n);
	/* Is NAME an architecture selector (__x86_64__, __aarch64__, ...)? */
	int (*is_arch_name)(void *self, const char *name, size_t n);
	void *self;
	int touched_arch;   /* out: the expression consulted an arch selector */
	int too_deep;       /* out: nested deeper than PP_MAX_DEPTH, left undecided */
};

/* Nesting (parentheses, unary operators, ?:) the parser follows before it
 * gives up: far beyond any real #if, far below what overflows a stack. */
#define PP_MAX_DEPTH 256

/* Evaluates `expr` (the text after #if/#elif). Returns TRI_TRUE when known
 * non-zero, TRI_FALSE when known zero, TRI_UNKNOWN otherwise. */
enum tri pp_eval(struct pp_env *env, const char *expr, size_t len);

#endif
