/*
 * Native byte helpers of mcdsm for Moddable boards (src/wire/native.ts): CRC-32, COBS encode
 * and decode, the checkpoint diff, finding a zero and copying, as XS host functions (module
 * mcdsm-native-bytes.js). The algorithms are in mcdsm_bytes_core.c, checked against the JS
 * reference on the host; each gives exactly the bytes of the JS code in src/, which stays the
 * fallback on a firmware without this module.
 *
 * Arguments come from hal/moddable/native-bytes.ts; the functions still check ranges against
 * the buffers (a bad call throws, never reads outside). Buffers live in the XS chunk heap,
 * which may move when something is allocated: every data pointer is fetched again after an
 * allocation.
 */
#include "xsmc.h"
#include "mcdsm_bytes_core.c"

#if defined(ESP_PLATFORM) && defined(__has_include)
	#if __has_include("esp_rom_crc.h")
		#include "esp_rom_crc.h"
		#define MCDSM_ROM_CRC 1
	#endif
#endif

#ifdef MCDSM_ROM_CRC
/* 1: the ROM gives the IEEE value (checked once against "123456789"), 0: use the table. */
static int gRomCrc = -1;
#endif

static uint32_t crcOf(const uint8_t *p, uint32_t n)
{
#ifdef MCDSM_ROM_CRC
	if (gRomCrc < 0) {
		static const uint8_t check[9] = { '1', '2', '3', '4', '5', '6', '7', '8', '9' };
		gRomCrc = esp_rom_crc32_le(0, check, 9) == 0xCBF43926u;
	}
	if (gRomCrc) return esp_rom_crc32_le(0, p, n);
#endif
	return mcdsmCrc32(p, n);
}

/* The [start, end) range of argument `arg` (a Uint8Array or ArrayBuffer), checked. */
static uint8_t *range(xsMachine *the, int arg, int startArg, xsUnsignedValue *start, xsUnsignedValue *end)
{
	void *data;
	xsUnsignedValue count;
	xsmcGetBufferReadable(xsArg(arg), &data, &count);
	xsIntegerValue s = xsmcToInteger(xsArg(startArg));
	xsIntegerValue e = xsmcToInteger(xsArg(startArg + 1));
	if (s < 0 || e < s || (xsUnsignedValue)e > count)
		xsRangeError("mcdsm native bytes: range %d..%d outside %u bytes", (int)s, (int)e, (unsigned)count);
	*start = (xsUnsignedValue)s;
	*end = (xsUnsignedValue)e;
	return (uint8_t *)data;
}

/* crc32(bytes, start, end) -> unsigned CRC-32 (IEEE 802.3). */
void xs_mcdsm_crc32(xsMachine *the)
{
	xsUnsignedValue s, e;
	uint8_t *p = range(the, 0, 1, &s, &e);
	xsmcSetNumber(xsResult, (double)crcOf(p + s, e - s));
}

/* cobsEncode(src, start, end, lead) -> ArrayBuffer: [0x00 if lead] blocks 0x00. */
void xs_mcdsm_cobs_encode(xsMachine *the)
{
	xsUnsignedValue s, e;
	range(the, 0, 1, &s, &e);
	uint32_t lead = xsmcTest(xsArg(3)) ? 1 : 0;
	xsmcSetArrayBuffer(xsResult, NULL, lead + mcdsmCobsMax(e - s));
	/* The allocation may have moved the source: fetch both pointers now. */
	uint8_t *src = range(the, 0, 1, &s, &e) + s;
	uint8_t *out = (uint8_t *)xsmcToArrayBuffer(xsResult);
	if (lead) out[0] = 0;
	uint32_t w = lead + mcdsmCobsEncode(src, e - s, out + lead);
	xsmcSetArrayBufferLength(xsResult, w);
}

/* cobsDecode(src, start, end) -> ArrayBuffer of the decoded bytes, or null when malformed. */
void xs_mcdsm_cobs_decode(xsMachine *the)
{
	xsUnsignedValue s, e;
	range(the, 0, 1, &s, &e);
	xsmcSetArrayBuffer(xsResult, NULL, e - s);
	uint8_t *src = range(the, 0, 1, &s, &e) + s;
	int32_t n = mcdsmCobsDecode(src, e - s, (uint8_t *)xsmcToArrayBuffer(xsResult));
	if (n < 0) xsmcSetNull(xsResult);
	else xsmcSetArrayBufferLength(xsResult, (xsUnsignedValue)n);
}

/* findZero(bytes, start, end) -> index of the first 0x00, or -1. */
void xs_mcdsm_find_zero(xsMachine *the)
{
	xsUnsignedValue s, e;
	uint8_t *p = range(the, 0, 1, &s, &e);
	uint8_t *z = memchr(p + s, 0, e - s);
	xsmcSetInteger(xsResult, z ? (xsIntegerValue)(z - p) : -1);
}

/* copy(src, start, end, dst, at): memmove of src[start, end) to dst[at...]. */
void xs_mcdsm_copy(xsMachine *the)
{
	xsUnsignedValue s, e;
	uint8_t *src = range(the, 0, 1, &s, &e);
	void *dst;
	xsUnsignedValue count;
	xsmcGetBufferWritable(xsArg(3), &dst, &count);
	xsIntegerValue at = xsmcToInteger(xsArg(4));
	if (at < 0 || (xsUnsignedValue)at + (e - s) > count)
		xsRangeError("mcdsm native copy: %u bytes at %d do not fit in %u", (unsigned)(e - s), (int)at, (unsigned)count);
	memmove((uint8_t *)dst + at, src + s, e - s);
}

/* diffSpans(a, b, gap) -> ArrayBuffer of u32 (start, end) pairs; counted, allocated, then written. */
void xs_mcdsm_diff_spans(xsMachine *the)
{
	void *a, *b;
	xsUnsignedValue na, nb;
	xsmcGetBufferReadable(xsArg(0), &a, &na);
	xsmcGetBufferReadable(xsArg(1), &b, &nb);
	xsIntegerValue gap = xsmcToInteger(xsArg(2));
	if (gap < 0) xsRangeError("mcdsm native diff: gap %d", (int)gap);
	uint32_t n = na < nb ? na : nb;
	uint32_t spans = mcdsmDiffSpans(a, b, n, (uint32_t)gap, NULL);
	xsmcSetArrayBuffer(xsResult, NULL, spans * 8);
	xsmcGetBufferReadable(xsArg(0), &a, &na);
	xsmcGetBufferReadable(xsArg(1), &b, &nb);
	mcdsmDiffSpans(a, b, n, (uint32_t)gap, (uint32_t *)xsmcToArrayBuffer(xsResult));
}
