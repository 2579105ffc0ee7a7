/*
 * size.c — byte sizes as users write them ("64K", "4M", "1GiB", "512B", "4096") and
 * their shortest exact printed form. Binary units (K = 1024). Overflow is EINVAL.
 * Pure functions, no allocation: safe in the malloc path.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "parse_err.h"
#include "policy_spec.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int nodal_size_parse_span(const struct nodal_perr *e, const char *s, const char *end, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	char t[NODAL_TOK_MAX];

	if (p >= end || *p < '0' || *p > '9')
		return nodal_parse_unexpected(e, p, end, "a size such as 4096, 64K, 4M or 1G");
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			const char *q = p;
			while (q < end && *q >= '0' && *q <= '9')
				q++;
			return nodal_parse_fail(e, "size '%s' at position %zu does not fit in 64 bits",
			                        nodal_tok(t, sizeof(t), s, q), nodal_pos(e, s));
		}
		v = v * 10 + d;
	}
	unsigned shift = 0;
	if (p < end) {
		switch (lower(*p)) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		case 'b': break;
		default:
			return nodal_parse_unexpected(e, p, end, "a unit K, M, G or T, optionally followed by B or iB");
		}
		const char *unit = p;
		if (shift) {
			p++;
			if (p < end && lower(*p) == 'i' && p + 1 < end && lower(p[1]) == 'b')
				p += 2;
			else if (p < end && lower(*p) == 'b')
				p++;
		} else {
			p++; /* plain 'B' = bytes */
		}
		if (p < end)
		{
			char u[NODAL_TOK_MAX];
			return nodal_parse_fail(e, "unexpected '%s' after the unit '%s' at position %zu (expected end of the size)",
			                        nodal_tok(t, sizeof(t), p, end), nodal_tok(u, sizeof(u), unit, p),
			                        nodal_pos(e, p));
		}
	}
	if (shift && v > (UINT64_MAX >> shift))
		return nodal_parse_fail(e, "size '%s' at position %zu does not fit in 64 bits",
		                        nodal_tok(t, sizeof(t), s, end), nodal_pos(e, s));
	*out = v << shift;
	return 0;
}

int nodal_size_parse(const char *s, uint64_t *out)
{
	struct nodal_perr e = { "size", s };
	return nodal_size_parse_span(&e, s, s + strlen(s), out);
}

void nodal_sb_size(struct nodal_sb *b, uint64_t v)
{
	static const char units[] = "TGMK";
	static const unsigned shifts[] = { 40, 30, 20, 10 };
	for (int i = 0; i < 4 && v; i++) {
		uint64_t unit = UINT64_C(1) << shifts[i];
		if (v % unit == 0) {
			nodal_sb_putu(b, v / unit);
			nodal_sb_putc(b, units[i]);
			return;
		}
	}
	nodal_sb_putu(b, v);
}

size_t nodal_size_format(uint64_t v, char *buf, size_t len)
{
	struct nodal_sb b;
	nodal_sb_init(&b, buf, len);
	nodal_sb_size(&b, v);
	return nodal_sb_end(&b);
}
