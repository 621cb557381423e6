/*
 * Native half of firmware/platform/lin/mcdsm-platform.js (compiled into mc.so by mcconfig).
 * xsAll.h, not xsmc.h: the heap probe reads the machine's own counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xsAll.h"
#include "mc.xs.h"

/* lin-host starts a fresh board process when one ends with this code (EX_TEMPFAIL). */
#define EXIT_RESTART 75

/* A probe label longer than this is cut (it is copied before the collection moves chunks). */
#define PROBE_LABEL_MAX 95

void xs_mcdsm_host_config(txMachine *the)
{
	const char *text = getenv("MCDSM_CONFIG");
	if (text)
		xsResult = xsString((char *)text);
}

void xs_mcdsm_restart(txMachine *the)
{
	/* Like a chip reset: nothing of the VM survives, the output already written does. */
	fflush(stdout);
	fflush(stderr);
	_exit(EXIT_RESTART);
}

/*
 * The heap probe (a developer tool, docs/TARGETS.md "Heap probe"): MCDSM_HEAP_PROBE in the
 * board process's environment turns it on. 0 = off (unset, empty or "0"), 2 = every sample
 * ("all"), 1 = samples that reach a new peak of live slots or live chunks (anything else).
 */
static int gProbeMode = -1;
static txSize gPeakSlots = 0;
static txSize gPeakChunks = 0;

void xs_mcdsm_heap_probe_mode(txMachine *the)
{
	if (gProbeMode < 0) {
		const char *mode = getenv("MCDSM_HEAP_PROBE");
		if (!mode || !*mode || !strcmp(mode, "0"))
			gProbeMode = 0;
		else if (!strcmp(mode, "all"))
			gProbeMode = 2;
		else
			gProbeMode = 1;
#if mxReport
		/* A build that reports every collection (XS's `# Slot collection: ... used <bytes>`):
		   the probe divides those bytes by this to get slots. */
		if (gProbeMode > 0) {
			printf("heap-probe-collections slot-bytes=%d\n", (int)sizeof(txSlot));
			fflush(stdout);
		}
#endif
	}
	xsResult = xsInteger(gProbeMode);
}

/*
 * heapProbe(label, always): collect garbage, then print the live set ("Slot used" / "Chunk used"
 * of the instrumentation, right after a collection) and the heaps as grown so far, when
 * `always` or when the live set reached a new peak. One line on stdout:
 *   heap-probe <label> live-slots=<n> live-chunks=<bytes> heap-slots=<n> heap-chunks=<bytes> [peak]
 * Slots are counts (the same number on a chip, 16 B each there); chunk bytes as lin measures them.
 */
void xs_mcdsm_heap_probe(txMachine *the)
{
	char label[PROBE_LABEL_MAX + 1];
	int always = xsToBoolean(xsArg(1));
	txSize slots, chunks;
	int peak = 0;
	if (gProbeMode <= 0)
		return;
	strncpy(label, xsToString(xsArg(0)), PROBE_LABEL_MAX);
	label[PROBE_LABEL_MAX] = 0;
#if mxReport
	/* The collection below reports itself like XS's own: this line tells the probe it is ours. */
	printf("heap-probe-forced\n");
#endif
	fxCollectGarbage(the);
	slots = the->currentHeapCount;
	chunks = the->currentChunksSize;
	if (slots > gPeakSlots) {
		gPeakSlots = slots;
		peak = 1;
	}
	if (chunks > gPeakChunks) {
		gPeakChunks = chunks;
		peak = 1;
	}
	if (!always && !peak && gProbeMode != 2)
		return;
	printf("heap-probe %s live-slots=%ld live-chunks=%ld heap-slots=%ld heap-chunks=%ld%s\n", label,
		(long)slots, (long)chunks, (long)the->maximumHeapCount, (long)the->maximumChunksSize, peak ? " peak" : "");
	fflush(stdout);
}
