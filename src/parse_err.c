/*
 * parse_err.c — error lines for the text parsers (see parse_err.h).
 * Concurrency: the reason buffer is thread-local, like nodal_set_error()'s slot.
 */
#include "parse_err.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "msg.h"

static __thread char reason[NODAL_MSG_MAX];

int nodal_parse_fail(const struct nodal_perr *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nodal_vfmt(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* The input is shown escaped (one line, whatever it holds) and capped at 120 bytes so
	 * that the reason, with its position, always fits in the message. */
	char whole[120];
	nodal_tok_n(whole, sizeof(whole), e->whole, e->whole + strlen(e->whole), 100);
	nodal_set_error("%s '%s': %s", e->kind, whole, reason);
	return EINVAL;
}

const char *nodal_parse_reason(void)
{
	return reason;
}

const char *nodal_tok(char *buf, size_t len, const char *s, const char *end)
{
	return nodal_tok_n(buf, len, s, end, 40);
}

const char *nodal_tok_n(char *buf, size_t len, const char *s, const char *end, int max)
{
	size_t o = 0;
	int n = 0;
	const char *p = s;
	if (!len)
		return buf;
	/* each character takes at most 4 bytes (\xNN); keep room for "..." and the NUL */
	for (; p < end && n < max && o + 4 + 3 + 1 <= len; p++, n++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = "0123456789abcdef"[c >> 4];
			buf[o++] = "0123456789abcdef"[c & 15];
		}
	}
	if (p < end && o + 3 + 1 <= len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

const char *nodal_tok_at(char *buf, size_t len, const char *s, const char *end)
{
	if (s >= end) {
		nodal_fmt(buf, len, "%s", "end");
		return buf;
	}
	const char *q = s + 1;
	if (is_alnum(*s))
		while (q < end && is_alnum(*q))
			q++;
	return nodal_tok(buf, len, s, q);
}

int nodal_parse_unexpected(const struct nodal_perr *e, const char *p, const char *end, const char *what)
{
	char t[NODAL_TOK_MAX];
	/* A span ends at a delimiter of the enclosing grammar (',', ';', '@', '*'...): name it. */
	if (p >= end && *p)
		return nodal_parse_fail(e, "unexpected '%s' at position %zu (expected %s)", nodal_tok(t, sizeof(t), p, p + 1),
		                        nodal_pos(e, p), what);
	if (p >= end)
		return nodal_parse_fail(e, "unexpected end at position %zu (expected %s)", nodal_pos(e, p), what);
	return nodal_parse_fail(e, "unexpected '%s' at position %zu (expected %s)", nodal_tok_at(t, sizeof(t), p, end),
	                        nodal_pos(e, p), what);
}

void nodal_sb_init(struct nodal_sb *b, char *buf, size_t len)
{
	b->buf = buf;
	b->len = len;
	b->pos = 0;
	if (len)
		buf[0] = '\0';
}

void nodal_sb_putc(struct nodal_sb *b, char c)
{
	if (b->pos + 1 < b->len)
		b->buf[b->pos] = c;
	b->pos++;
}

void nodal_sb_puts(struct nodal_sb *b, const char *s)
{
	while (*s)
		nodal_sb_putc(b, *s++);
}

void nodal_sb_putu(struct nodal_sb *b, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		nodal_sb_putc(b, tmp[--n]);
}

size_t nodal_sb_end(struct nodal_sb *b)
{
	if (b->len)
		b->buf[b->pos < b->len ? b->pos : b->len - 1] = '\0';
	return b->pos;
}
