/* UTF-8 decoding and JSON string escaping for the report writers. */
#include "json_out.h"

/* How many continuation bytes lead byte `b` needs (-1: never valid as a lead
 * byte). The allowed range of the first continuation byte narrows for E0, ED,
 * F0 and F4: that is what rules out overlong forms, surrogates and code
 * points above U+10FFFF (Unicode Table 3-7). */
static int sequence_shape(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	if (b < 0x80)
		return 0;
	if (b < 0xC2 || b > 0xF4)
		return -1;
	if (b < 0xE0)
		return 1;
	if (b == 0xE0)
		*lo = 0xA0;
	else if (b == 0xED)
		*hi = 0x9F;
	if (b < 0xF0)
		return 2;
	if (b == 0xF0)
		*lo = 0x90;
	else if (b == 0xF4)
		*hi = 0x8F;
	return 3;
}

size_t utf8_decode(const char *s, unsigned long *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	int need = sequence_shape(p[0], &lo, &hi);

	*cp = p[0];
	if (need == 0)
		return p[0] ? 1 : 0;
	*cp = UTF8_REPLACEMENT;
	if (need < 0)
		return 1;
	unsigned long v = p[0] & (0x3Fu >> need);
	for (int i = 1; i <= need; i++) {
		/* A NUL terminator also fails this test, so we never read past it. */
		if (p[i] < lo || p[i] > hi)
			return (size_t)i;
		v = (v << 6) | (p[i] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return (size_t)need + 1;
}

void utf8_write(FILE *out, unsigned long cp)
{
	if (cp < 0x80) {
		fputc((int)cp, out);
	} else if (cp < 0x800) {
		fputc((int)(0xC0 | (cp >> 6)), out);
		fputc((int)(0x80 | (cp & 0x3F)), out);
	} else if (cp < 0x10000) {
		fputc((int)(0xE0 | (cp >> 12)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
		fputc((int)(0x80 | (cp & 0x3F)), out);
	} else {
		fputc((int)(0xF0 | (cp >> 18)), out);
		fputc((int)(0x80 | ((cp >> 12) & 0x3F)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
		fputc((int)(0x80 | (cp & 0x3F)), out);
	}
}

static void json_write_char(FILE *out, unsigned long cp)
{
	switch (cp) {
	case '"':  fputs("\\\"", out); return;
	case '\\': fputs("\\\\", out); return;
	case '\b': fputs("\\b", out); return;
	case '\f': fputs("\\f", out); return;
	case '\n': fputs("\\n", out); return;
	case '\r': fputs("\\r", out); return;
	case '\t': fputs("\\t", out); return;
	default: break;
	}
	if (cp < 0x20)
		fprintf(out, "\\u%04lx", cp);
	else
		utf8_write(out, cp);
}

void json_write_string(FILE *out, const char *s)
{
	unsigned long cp;
	size_t n;

	fputc('"', out);
	while (s && (n = utf8_decode(s, &cp)) > 0) {
		json_write_char(out, cp);
		s += n;
	}
	fputc('"', out);
}
