/*
 * What a Moddable board knows when XS aborts (docs/TARGETS.md "When XS aborts"), for every
 * target (module "mcdsm/abort", firmware/native/mcdsm-abort.js):
 *
 *   heapFigure(i)  one figure of the machine's heaps as an integer (MCDSM_FIGURE_*): the abort
 *                  hook of firmware/main.ts reads them when XS runs out of memory. An integer
 *                  result allocates nothing, so the hook can still learn them then.
 *   mcdsm_abort_report(the, status)
 *                  C only, for the aborts XS runs no JavaScript for (a JavaScript or native
 *                  stack overflow): prints `ABORT: <why>: <which stack, its size>, in <the
 *                  innermost functions>` with printf (lin-host's stdout, an ESP32's UART0)
 *                  without allocating; lin-host calls it from its abort callback (dlsym).
 *
 * xsAll.h, not xsmc.h: the figures are the machine's own counters.
 */
#include <stdio.h>
#include <string.h>
#include "xsAll.h"

enum {
	MCDSM_FIGURE_LIVE_SLOTS = 0,
	MCDSM_FIGURE_HEAP_SLOTS,
	MCDSM_FIGURE_LIVE_CHUNKS,
	MCDSM_FIGURE_HEAP_CHUNKS,
	MCDSM_FIGURE_STACK_SLOTS,
	/* 1 when no free slot is left (the slot heap is what ran out), else 0. */
	MCDSM_FIGURE_SLOTS_EXHAUSTED,
	MCDSM_FIGURE_SLOT_BYTES,
	MCDSM_FIGURE_COUNT
};

/* Frames named in a stack overflow report: the innermost ones say where the recursion is. */
#define MCDSM_REPORT_FRAMES 6
#define MCDSM_NAME_MAX 64

void xs_mcdsm_heap_figure(txMachine *the)
{
	txInteger which = fxToInteger(the, mxArgv(0));
	txInteger value = -1;
	switch (which) {
	case MCDSM_FIGURE_LIVE_SLOTS: value = (txInteger)the->currentHeapCount; break;
	case MCDSM_FIGURE_HEAP_SLOTS: value = (txInteger)the->maximumHeapCount; break;
	case MCDSM_FIGURE_LIVE_CHUNKS: value = (txInteger)the->currentChunksSize; break;
	case MCDSM_FIGURE_HEAP_CHUNKS: value = (txInteger)the->maximumChunksSize; break;
	case MCDSM_FIGURE_STACK_SLOTS: value = (txInteger)(the->stackTop - the->stackBottom); break;
	case MCDSM_FIGURE_SLOTS_EXHAUSTED: value = the->freeHeap == C_NULL ? 1 : 0; break;
	case MCDSM_FIGURE_SLOT_BYTES: value = (txInteger)sizeof(txSlot); break;
	default: break;
	}
	mxResult->kind = XS_INTEGER_KIND;
	mxResult->value.integer = value;
}

/* The name of the function running in `frame` (its `name`, else its code's key), or "?". */
static const char *frameName(txMachine *the, txSlot *frame)
{
	txSlot *function = frame + 2;
	if (function->kind != XS_REFERENCE_KIND)
		return "?";
	function = function->value.reference;
	if (!mxIsFunction(function))
		return "?";
	txSlot *code = mxFunctionInstanceCode(function);
	if (code->ID != XS_NO_ID) {
		txSlot *key = fxGetKey(the, code->ID);
		if (key && ((key->kind == XS_KEY_KIND) || (key->kind == XS_KEY_X_KIND)) && key->value.key.string)
			return key->value.key.string;
	}
	return "(anonymous)";
}

void mcdsm_abort_report(txMachine *the, int status)
{
	const char *why = fxAbortString(status);
	char names[MCDSM_REPORT_FRAMES][MCDSM_NAME_MAX];
	int counts[MCDSM_REPORT_FRAMES];
	int kept = 0, depth = 0;
	txSlot *frame = the->frame;
	/* Consecutive frames of one function are one entry with a count: a recursion reads `deep x 180`. */
	while (frame && frame->next) {
		const char *name = frameName(the, frame);
		depth++;
		if (kept > 0 && !strcmp(names[kept - 1], name))
			counts[kept - 1]++;
		else if (kept < MCDSM_REPORT_FRAMES) {
			strncpy(names[kept], name, MCDSM_NAME_MAX - 1);
			names[kept][MCDSM_NAME_MAX - 1] = 0;
			counts[kept++] = 1;
		}
		frame = frame->next;
	}
	printf("ABORT: %s", why);
	if (status == XS_JAVASCRIPT_STACK_OVERFLOW_EXIT)
		printf(": the JavaScript stack (%ld slots) is full", (long)(the->stackTop - the->stackBottom));
	else if (status == XS_NATIVE_STACK_OVERFLOW_EXIT)
		printf(": the native (C) stack is full");
	if (kept > 0) {
		printf(", %d frame%s deep, in ", depth, depth == 1 ? "" : "s");
		for (int i = 0; i < kept; i++) {
			printf("%s%s", i ? " < " : "", names[i]);
			if (counts[i] > 1)
				printf(" x %d", counts[i]);
		}
	}
	printf("\n");
	fflush(stdout);
}
