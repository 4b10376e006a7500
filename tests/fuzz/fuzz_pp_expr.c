/* libFuzzer target: the #if expression evaluator (analyzer/pp_expr.c).
 * Names are defined, undefined or unknown by their first letter, and a
 * few have bodies that refer to others and to themselves, so that the
 * macro expansion is exercised as well as the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pp_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum tri fuzz_defined(void *self, const char *name, size_t n)
{
	(void)self;
	if (!n)
		return TRI_UNKNOWN;
	return name[0] < 'M' ? TRI_TRUE : name[0] < 'T' ? TRI_FALSE : TRI_UNKNOWN;
}

static const char *fuzz_body(void *self, const char *name, size_t n, int *function_like)
{
	static const char *const bodies[] = { "B + 1", "(A) * C", "C ? A : 0", "", "F(1)", "G || !G", "(H H)" };
	(void)self;
	*function_like = n > 1 && name[1] == 'F';
	return bodies[(unsigned char)name[0] % (sizeof bodies / sizeof *bodies)];
}

static enum tri fuzz_has_include(void *self, const char *hdr, size_t n)
{
	(void)self;
	(void)hdr;
	return n % 2 ? TRI_FALSE : TRI_UNKNOWN;
}

static int fuzz_is_arch(void *self, const char *name, size_t n)
{
	(void)self;
	return n > 2 && name[0] == '_' && name[1] == '_';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size ? size : 1);
	memcpy(expr, data, size);
	struct pp_env env = { fuzz_defined, fuzz_body, fuzz_has_include, fuzz_is_arch, NULL, 0, 0 };
	enum tri r = pp_eval(&env, expr, size);
	if (r != TRI_TRUE && r != TRI_FALSE && r != TRI_UNKNOWN)
		abort();
	if (env.too_deep && r != TRI_UNKNOWN)   /* a bounded expression is undecided */
		abort();
	free(expr);
	return 0;
}
