/* libFuzzer target: the C lexer (analyzer/c_lex.c) over any bytes, to
 * the end of its input: every token must lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "c_lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a heap copy of exactly `size` bytes, so ASan sees any read past the end */
	char *src = malloc(size ? size : 1);
	for (size_t i = 0; i < size; i++)
		src[i] = (char)data[i];
	struct lexer lx;
	struct token t;
	lex_init(&lx, src, size);
	while (lex_next(&lx, &t) != T_EOF)
		if (t.p < src || t.p + t.len > src + size)
			abort();
	free(src);
	return 0;
}
