/*
 * msg.c — the non-allocating formatter and the per-thread error-detail slot.
 * Concurrency: nodal_msg is a single write(2); the error slot is thread-local.
 */
#include "msg.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left)
{
	int pad = width > (int)n ? width - (int)n : 0;
	if (!left)
		while (pad-- > 0)
			put(o, ' ');
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (pad-- > 0)
			put(o, ' ');
}

static void put_uint(struct out *o, unsigned long long v, unsigned base, int neg, int width, int left)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	put_padded(o, tmp + sizeof(tmp) - n, n, width, left);
}

size_t nodal_vfmt(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const char *start = p++;
		int left = 0, width = 0, lng = 0, size = 0;
		if (*p == '-') {
			left = 1;
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		while (*p == 'l') {
			lng++;
			p++;
		}
		if (*p == 'z') {
			size = 1;
			p++;
		}
		long long sv;
		unsigned long long uv;
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s, strlen(s), width, left);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i':
			sv = size ? (long long)va_arg(ap, ssize_t)
			     : lng >= 2 ? va_arg(ap, long long)
			     : lng == 1 ? va_arg(ap, long)
			                : va_arg(ap, int);
			put_uint(&o, sv < 0 ? 0ull - (unsigned long long)sv : (unsigned long long)sv, 10, sv < 0,
			         width, left);
			break;
		case 'u':
		case 'x':
			uv = size ? va_arg(ap, size_t)
			     : lng >= 2 ? va_arg(ap, unsigned long long)
			     : lng == 1 ? va_arg(ap, unsigned long)
			                : va_arg(ap, unsigned);
			put_uint(&o, uv, *p == 'x' ? 16 : 10, 0, width, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_uint(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, 0);
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unsupported: copy the directive verbatim */
			for (const char *q = start; q <= p && *q; q++)
				put(&o, *q);
			if (!*p)
				p--;
			break;
		}
	}
	if (len) {
		size_t end = o.pos < len ? o.pos : len - 1;
		buf[end] = '\0';
		if (o.pos >= len && len > 4)
			memcpy(buf + len - 4, "...", 4);
	}
	return o.pos < len ? o.pos : (len ? len - 1 : 0);
}

size_t nodal_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = nodal_vfmt(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

void nodal_msg(const char *fmt, ...)
{
	char buf[NODAL_MSG_MAX];
	int saved = errno;
	size_t n = nodal_fmt(buf, sizeof(buf), "%s", "nodal: ");
	va_list ap;
	va_start(ap, fmt);
	n += nodal_vfmt(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, n);
	(void)w;
	errno = saved;
}

static __thread char last_error[NODAL_MSG_MAX];

void nodal_set_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nodal_vfmt(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *nodal_last_error(void)
{
	return last_error;
}
