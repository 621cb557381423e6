/*
 * Native half of firmware/platform/lin/mcdsm-platform.js (compiled into mc.so by mcconfig).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "xsmc.h"

/* lin-host starts a fresh board process when one ends with this code (EX_TEMPFAIL). */
#define EXIT_RESTART 75

void xs_mcdsm_host_config(xsMachine *the)
{
	const char *text = getenv("MCDSM_CONFIG");
	if (text)
		xsmcSetString(xsResult, (char *)text);
}

void xs_mcdsm_restart(xsMachine *the)
{
	/* Like a chip reset: nothing of the VM survives, the output already written does. */
	fflush(stdout);
	fflush(stderr);
	_exit(EXIT_RESTART);
}
