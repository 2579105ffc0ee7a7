/*
 * msg.h — user-facing messages without allocation.
 *
 * Owns: the `nodal:` line format and a small printf-like formatter that never calls
 * malloc (usable inside the interposed malloc, before initialisation, in signal-unsafe
 * but lock-held contexts). Output goes to stderr with one write(2) per message.
 *
 * Supported conversions: %s %c %d %i %u %x %ld %li %lu %lx %lld %llu %zu %zd %p %%,
 * with an optional '-' flag and width for %s and integers. Anything else is copied.
 * Messages longer than NODAL_MSG_MAX are truncated (and end with "...").
 */
#ifndef NODAL_MSG_H
#define NODAL_MSG_H

#include <stdarg.h>
#include <stddef.h>

#define NODAL_MSG_MAX 512

/* Format into @buf (always NUL-terminated when @len > 0); returns the length written. */
size_t nodal_vfmt(char *buf, size_t len, const char *fmt, va_list ap);
size_t nodal_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write "nodal: <message>\n" to stderr. */
void nodal_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Error-detail sink: parsers and validators record a one-line reason here (per thread)
 * so the caller can print it or return it through the API. Never allocates.
 */
void nodal_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *nodal_last_error(void);

#endif
