/*
 * fork_stdio.c — fork() in a multi-threaded program while other threads sit in
 * getline() (FILE lock held, reallocating its buffer) and fflush(NULL) (stdio list lock
 * held, waiting for FILE locks), and others allocate. An allocator that takes its locks
 * in an atfork prepare handler before glibc takes the stdio list lock deadlocks here
 * (Debian's jemalloc does). Every child allocates, uses stdio and forks once more.
 * A watchdog alarm turns a deadlock into a failure instead of a hang.
 */
#include <config.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define FORKS 100

static atomic_int stop;
static char path[] = "/tmp/nodal-fork-stdio.XXXXXX";

static void *reader(void *arg)
{
	FILE *f = fopen(path, "r");
	long lines = 0;

	(void)arg;
	if (!f)
		return NULL;
	while (!atomic_load(&stop)) {
		char *line = NULL; /* a fresh buffer each time: getline mallocs and reallocs */
		size_t cap = 0;
		if (getline(&line, &cap, f) < 0)
			rewind(f);
		else
			lines++;
		free(line);
		sched_yield(); /* FILE locks are unfair too */
	}
	fclose(f);
	return (void *)lines;
}

static void *flusher(void *arg)
{
	FILE *f = fopen("/dev/null", "w");

	(void)arg;
	while (!atomic_load(&stop)) {
		if (f)
			fprintf(f, "%d %s\n", 42, "some text to buffer");
		fflush(NULL);
		sched_yield(); /* the list lock is unfair: let fork() have it sometimes */
	}
	if (f)
		fclose(f);
	return NULL;
}

static void *churn(void *arg)
{
	void *keep[64] = { 0 };
	unsigned i = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		free(keep[i % 64]);
		keep[i % 64] = malloc((i * 37) % 5000 + 1);
		i++;
	}
	for (i = 0; i < 64; i++)
		free(keep[i]);
	return NULL;
}

static int child_work(void)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	void *p;
	pid_t pid;
	int st;

	alarm(20);
	p = malloc(100000);
	if (!p)
		return 10;
	memset(p, 1, 100000);
	free(p);
	f = fopen(path, "r");
	if (!f || getline(&line, &cap, f) < 0)
		return 11;
	free(line);
	fclose(f);
	fflush(NULL);
	pid = fork(); /* the child is single-threaded: fork again */
	if (pid < 0)
		return 12;
	if (pid == 0) {
		free(malloc(10));
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 13;
	return 0;
}

int main(void)
{
	pthread_t th[4];
	void *(*fns[4])(void *) = { reader, reader, flusher, churn };
	int fd = mkstemp(path), bad = 0, deadlocked = 0;
	FILE *f;

	alarm(60); /* a deadlock in the parent's fork() kills the test */
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return 1;
	/* Long lines: getline's reallocs leave any thread cache and take allocator locks. */
	for (int i = 0; i < 200; i++)
		fprintf(f, "%d %0*d\n", i, 100 + (i * 7919) % 150000, i);
	fclose(f);

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, fns[i], NULL);
	for (int i = 0; i < FORKS; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(child_work());
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			bad++;
			continue;
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			deadlocked++;
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	atomic_store(&stop, 1);
	long lines = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		if (i < 2)
			lines += (long)r;
	}
	unlink(path);
	ok(deadlocked == 0, "%d forks with threads in getline/fflush(NULL)/malloc: no child deadlocked (%d did)",
	   FORKS, deadlocked);
	ok(bad == 0, "every child allocated, used stdio, forked again and exited 0 (%d failed)", bad);
	ok(lines > 0, "the reader threads made progress meanwhile (%ld lines)", lines);
	return tap_done();
}
