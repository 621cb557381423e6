/*
 * Host harness for mcdsm_bytes_core.c (test/wire/native-c.test.ts): one request per line on
 * stdin, one answer per line on stdout, all bytes in hex ("-" for none).
 *   crc HEX            -> 8 hex digits (big-endian text of the u32)
 *   enc HEX            -> the encoded bytes, delimiter included
 *   dec HEX            -> the decoded bytes, or "x" when malformed
 *   diff GAP HEXA HEXB -> start,end pairs in decimal, space separated ("-" for none)
 */
#include <stdio.h>
#include <stdlib.h>
#include "mcdsm_bytes_core.c"

static uint8_t *unhex(const char *h, uint32_t *n)
{
	size_t len = strcmp(h, "-") == 0 ? 0 : strlen(h) / 2;
	uint8_t *out = malloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	*n = (uint32_t)len;
	return out;
}

static void puthex(const uint8_t *p, uint32_t n)
{
	if (n == 0) fputs("-", stdout);
	for (uint32_t i = 0; i < n; i++) printf("%02x", p[i]);
	putchar('\n');
}

int main(void)
{
	static char line[1 << 22];
	char op[8], a[1 << 21], b[1 << 21];
	while (fgets(line, sizeof(line), stdin)) {
		uint32_t na, nb, gap = 0;
		if (sscanf(line, "diff %u %s %s", &gap, a, b) == 3) {
			uint8_t *x = unhex(a, &na), *y = unhex(b, &nb);
			uint32_t n = na < nb ? na : nb;
			uint32_t *spans = malloc(sizeof(uint32_t) * (2 * n + 2));
			uint32_t k = mcdsmDiffSpans(x, y, n, gap, spans);
			if (k == 0) fputs("-", stdout);
			for (uint32_t i = 0; i < k; i++) printf("%s%u,%u", i ? " " : "", spans[2 * i], spans[2 * i + 1]);
			putchar('\n');
			free(x); free(y); free(spans);
			continue;
		}
		if (sscanf(line, "%7s %s", op, a) != 2) { puts("?"); continue; }
		uint8_t *x = unhex(a, &na);
		if (strcmp(op, "crc") == 0) {
			printf("%08x\n", mcdsmCrc32(x, na));
		} else if (strcmp(op, "enc") == 0) {
			uint8_t *out = malloc(mcdsmCobsMax(na));
			puthex(out, mcdsmCobsEncode(x, na, out));
			free(out);
		} else if (strcmp(op, "dec") == 0) {
			uint8_t *out = malloc(na + 1);
			int32_t n = mcdsmCobsDecode(x, na, out);
			if (n < 0) puts("x"); else puthex(out, (uint32_t)n);
			free(out);
		} else {
			puts("?");
		}
		free(x);
	}
	return 0;
}
