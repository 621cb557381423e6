/** test/lua/vectors.test.ts: one bitwise operation on 2^32, which strict-bit mode must refuse. */
const big = 4294967296;
print(String(big & 1));
