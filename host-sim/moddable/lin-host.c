/*
 * lin-host: runs a Moddable `lin` build (mc.so) headless, as an ordinary process.
 *
 *   lin-host [--state DIR] [--config JSON] [--width N --height N] MC_SO
 *
 * mc.so is what `mcconfig -p lin` builds; the SDK's GTK simulator (mcsim) normally loads it.
 * This host does the same without a window: it dlopens mc.so, hands `fxScreenLaunch` a
 * screen record (build/simulators/modules/screen.h) and runs the GLib main loop that the lin
 * port's timers, serial ports and promise jobs are attached to. trace() goes to stdout.
 *
 *   --state DIR    the board's working folder (created if missing). Our firmware keeps its
 *                  stored config there (mcdsm-config.json), so every board has its own.
 *   --config JSON  board settings for the firmware (exported as MCDSM_CONFIG; firmware/lin
 *                  reads it): e.g. the tty paths of the links and the console.
 *
 * Restart: the firmware's restart (a console `reset`, `fault reboot`) ends the board process
 * with EXIT_RESTART; this host runs each boot in a child process and starts a fresh one then,
 * so RAM is lost exactly as on a chip reset. Exit codes of lin-host: 0 the board quit,
 * 2 usage, 3 mc.so cannot be loaded, 4 the machine could not be created, 100 + status an XS
 * abort (status as XS_*_EXIT in xsCommon.h: 0 debugger, 1 not enough memory, 2 JS stack
 * overflow, 5 unhandled exception, 9 native stack overflow, ...), 128 + signal when killed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include "screen.h"

/* What firmware/lin/mcdsm-host.c exits with to ask for a restart (EX_TEMPFAIL). */
#define EXIT_RESTART 75
#define EXIT_USAGE 2
#define EXIT_LOAD 3
#define EXIT_MACHINE 4
#define EXIT_ABORT_BASE 100
/* Restarts in a row faster than this many seconds count as a boot loop. */
#define RESTART_LOOP_SECONDS 2
#define RESTART_LOOP_LIMIT 20

typedef void (*LaunchProc)(txScreen *screen);
typedef void (*AbortReportProc)(void *machine, int status);

/* XS_*_EXIT of xsCommon.h: the aborts XS calls no JavaScript abort hook for (no stack left). */
#define XS_JAVASCRIPT_STACK_OVERFLOW 2
#define XS_NATIVE_STACK_OVERFLOW 9

static guint gIdleSource = 0;
static volatile pid_t gChild = 0;
/* The firmware's mcdsm_abort_report (firmware/native/mcdsm_abort.c), when its mc.so has one. */
static AbortReportProc gAbortReport = NULL;

static void hostAbort(txScreen *screen, int status)
{
	/* fxAbort has printed "XS abort: <why>"; the machine is unusable from here on. For a stack
	   overflow the firmware's abort hook did not run: its native report says which stack and
	   in which functions (`ABORT: ...`), reading the machine without allocating. */
	if (gAbortReport && screen->machine && (status == XS_JAVASCRIPT_STACK_OVERFLOW || status == XS_NATIVE_STACK_OVERFLOW))
		gAbortReport(screen->machine, status);
	fprintf(stdout, "lin-host: XS abort (status %d)\n", status);
	fflush(stdout);
	fflush(stderr);
	_exit(EXIT_ABORT_BASE + status);
}

static void hostNothing(txScreen *screen) {}
static void hostPost(txScreen *screen, char *buffer, int size) {}

static gboolean hostIdle(gpointer data)
{
	txScreen *screen = data;
	if (screen->idle)
		screen->idle(screen);
	return G_SOURCE_CONTINUE;
}

static void hostStart(txScreen *screen, double interval)
{
	if (gIdleSource)
		g_source_remove(gIdleSource);
	gIdleSource = g_timeout_add((guint)(interval > 1 ? interval : 1), hostIdle, screen);
}

static void hostStop(txScreen *screen)
{
	if (gIdleSource)
		g_source_remove(gIdleSource);
	gIdleSource = 0;
}

static int runBoard(const char *library, int width, int height)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		fprintf(stderr, "lin-host: cannot load %s: %s\n", library, dlerror());
		return EXIT_LOAD;
	}
	LaunchProc launch = (LaunchProc)dlsym(handle, "fxScreenLaunch");
	if (!launch) {
		fprintf(stderr, "lin-host: %s has no fxScreenLaunch (not a Moddable lin build?)\n", library);
		return EXIT_LOAD;
	}
	gAbortReport = (AbortReportProc)dlsym(handle, "mcdsm_abort_report");
	size_t size = sizeof(txScreen) - 1 + (size_t)width * height * screenBytesPerPixel;
	txScreen *screen = calloc(1, size);
	if (!screen) {
		fprintf(stderr, "lin-host: out of memory\n");
		return EXIT_MACHINE;
	}
	screen->width = width;
	screen->height = height;
	screen->abort = hostAbort;
	screen->bufferChanged = hostNothing;
	screen->formatChanged = hostNothing;
	screen->post = hostPost;
	screen->start = hostStart;
	screen->stop = hostStop;
	mxCreateMutex(&screen->workersMutex);
	launch(screen);
	if (!screen->machine) {
		fprintf(stderr, "lin-host: the XS machine could not be created\n");
		return EXIT_MACHINE;
	}
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
	return 0;
}

static void forward(int sig)
{
	if (gChild > 0)
		kill(gChild, sig);
}

static void usage(void)
{
	fprintf(stderr, "usage: lin-host [--state DIR] [--config JSON] [--width N --height N] MC_SO\n");
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	const char *library = NULL, *state = NULL, *config = NULL;
	int width = 1, height = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--state") && i + 1 < argc)
			state = argv[++i];
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--width") && i + 1 < argc)
			width = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--height") && i + 1 < argc)
			height = atoi(argv[++i]);
		else if (argv[i][0] == '-' || library)
			usage();
		else
			library = argv[i];
	}
	if (!library || width < 1 || height < 1)
		usage();
	/* dlopen resolves a bare name through the library path, not the working folder. */
	char *resolved = realpath(library, NULL);
	if (!resolved) {
		fprintf(stderr, "lin-host: %s: %s\n", library, strerror(errno));
		return EXIT_LOAD;
	}
	if (state) {
		if (mkdir(state, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "lin-host: --state %s: %s\n", state, strerror(errno));
			return EXIT_USAGE;
		}
		if (chdir(state) != 0) {
			fprintf(stderr, "lin-host: --state %s: %s\n", state, strerror(errno));
			return EXIT_USAGE;
		}
	}
	if (config)
		setenv("MCDSM_CONFIG", config, 1);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int quickRestarts = 0;
	for (;;) {
		time_t started = time(NULL);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "lin-host: fork: %s\n", strerror(errno));
			return EXIT_MACHINE;
		}
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			exit(runBoard(resolved, width, height));
		}
		gChild = pid;
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "lin-host: waitpid: %s\n", strerror(errno));
				return EXIT_MACHINE;
			}
		}
		gChild = 0;
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
		int code = WEXITSTATUS(status);
		if (code != EXIT_RESTART)
			return code;
		quickRestarts = (time(NULL) - started < RESTART_LOOP_SECONDS) ? quickRestarts + 1 : 0;
		if (quickRestarts >= RESTART_LOOP_LIMIT) {
			fprintf(stdout, "lin-host: %d restarts within %d s each: boot loop, giving up\n", quickRestarts, RESTART_LOOP_SECONDS);
			return EXIT_RESTART;
		}
		fprintf(stdout, "lin-host: restart\n");
	}
}
