/*
 * The byte algorithms of mcdsm's native helpers, free of any XS API so that they can be
 * compiled and checked against the JS reference on the host (test/wire/native-c.test.ts
 * builds test-harness.c with them). Included by mcdsm_bytes.c.
 */
#include <stdint.h>
#include <string.h>

static uint32_t gCrcTable[256];
static int gCrcReady = 0;

static void crcTable(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
		gCrcTable[i] = c;
	}
	gCrcReady = 1;
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320, init and xorout 0xFFFFFFFF), one table. */
static uint32_t mcdsmCrc32(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	if (!gCrcReady) crcTable();
	while (n--)
		c = gCrcTable[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* Most bytes mcdsmCobsEncode writes for n input bytes (delimiter included). */
static uint32_t mcdsmCobsMax(uint32_t n)
{
	return n + n / 254 + 2;
}

/* COBS-encode src[0, n) into out, then the 0x00 delimiter; returns the bytes written. */
static uint32_t mcdsmCobsEncode(const uint8_t *src, uint32_t n, uint8_t *out)
{
	uint32_t w = 0;
	uint32_t code = w++;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t b = src[i];
		if (b == 0) {
			out[code] = (uint8_t)(w - code);
			code = w++;
			continue;
		}
		out[w++] = b;
		if (w - code == 255) {
			out[code] = 0xFF;
			code = w++;
		}
	}
	out[code] = (uint8_t)(w - code);
	out[w++] = 0;
	return w;
}

/* Decode one COBS block src[0, n) into out (room for n bytes); the length, or -1 if malformed. */
static int32_t mcdsmCobsDecode(const uint8_t *src, uint32_t n, uint8_t *out)
{
	uint32_t r = 0, w = 0;
	while (r < n) {
		uint8_t code = src[r++];
		if (code == 0) return -1;
		uint32_t len = (uint32_t)code - 1;
		if (len > n - r) return -1;
		for (uint32_t k = 0; k < len; k++) {
			uint8_t b = src[r++];
			if (b == 0) return -1;
			out[w++] = b;
		}
		if (code != 0xFF && r < n) out[w++] = 0;
	}
	return (int32_t)w;
}

/*
 * The spans where b differs from a (n bytes each), spans separated by at most `gap` equal
 * bytes merged, as ft/image.ts diffSpans emits them: written as (start, end) pairs to out
 * when out is not NULL. Returns the number of spans.
 */
static uint32_t mcdsmDiffSpans(const uint8_t *a, const uint8_t *b, uint32_t n, uint32_t gap, uint32_t *out)
{
	uint32_t spans = 0, i = 0;
	while (i < n) {
		while (i < n && a[i] == b[i]) i++;
		if (i >= n) break;
		uint32_t start = i, last = i, j = i + 1;
		while (j < n) {
			if (a[j] != b[j]) { last = j++; continue; }
			uint32_t k = j;
			while (k < n && a[k] == b[k]) k++;
			if (k >= n || k - last - 1 > gap) { j = k; break; }
			last = k;
			j = k + 1;
		}
		if (out) { out[2 * spans] = start; out[2 * spans + 1] = last + 1; }
		spans++;
		i = j;
	}
	return spans;
}
