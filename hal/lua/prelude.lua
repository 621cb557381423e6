-- The Lua side of what typescript-to-lua leaves to the host: loaded before any compiled module
-- (scripts/build-lua.mjs puts it next to them in dist/lua/<target>/). It provides
--   * typed arrays (Uint8Array and the few others the core names): a table with keys 0..n-1 and
--     `length`; views are copies (`subarray` copies), `buffer` is the array itself, so the core
--     never relies on aliasing (the V8 suite passes with a copying subarray);
--   * DataView over such an array (it does alias: pingpong and the codec write through one);
--   * Math.imul / Math.clz32, Object.freeze / getPrototypeOf, which TSTL emits as globals;
--   * a JavaScript-ordered job queue: Promise, async functions and Promise.all/race replaced by
--     spec-ordered versions (TSTL's own run `then` callbacks synchronously), drained by
--     mcdsm_drain_jobs() at the end of every host turn;
--   * on Lua 5.1: a strict `bit` mode (MCDSM_STRICT_BIT=1) that raises on any operand outside
--     int32, as NodeMCU's C cast would misbehave there.
-- Not a module of the core: none of this exists on XS or V8.

local LUA51 = _VERSION == "Lua 5.1"
local floor = math.floor
local unpack = unpack or table.unpack

-- ---------------------------------------------------------------- bit (5.1)
if LUA51 then
  -- NodeMCU has `bit` built in; a desktop lua5.1 needs LuaBitOp. Without it, one line that says
  -- so (exit 1), not require's search list and a stack trace.
  if bit == nil then
    local ok, mod = pcall(require, "bit")
    if not ok or type(mod) ~= "table" then
      local msg = "mcdsm: a Lua 5.1 board needs the `bit` module (LuaBitOp: apt-get install lua-bitop;"
        .. " NodeMCU: a firmware built with the bit module), docs/LUA.md"
      if io ~= nil and io.stderr ~= nil and os ~= nil and os.exit ~= nil then
        io.stderr:write(msg, "\n")
        os.exit(1)
      end
      error(msg, 0)
    end
    bit = mod
  end
  if os ~= nil and os.getenv ~= nil and os.getenv("MCDSM_STRICT_BIT") == "1" then
    local raw = bit
    local function check(name, v)
      if type(v) ~= "number" or v ~= floor(v) or v < -2147483648 or v > 2147483647 then
        error("strict bit: " .. name .. " operand " .. tostring(v) .. " is outside int32", 3)
      end
    end
    local strict = {}
    for name, f in pairs(raw) do
      strict[name] = function(...)
        local args = { ... }
        for i = 1, select("#", ...) do check(name, args[i]) end
        return f(...)
      end
    end
    bit = strict
  end
end

local function tobit32(x)
  -- x: any integral number; its value modulo 2^32 as a signed int32.
  x = x % 4294967296
  if x >= 2147483648 then x = x - 4294967296 end
  return x
end

-- ---------------------------------------------------------------- numbers as JavaScript prints them
-- tostring() is what TSTL emits for String(n) and template literals. Lua 5.3 prints a float
-- with an integral value as "3.0", 5.1 large ones as "1e+15", both inf/nan their own way:
-- numbers get JavaScript's text instead, so console lines and traces read the same.
do
  local rawtostring, fmt, mfloor, huge = tostring, string.format, math.floor, math.huge
  local mtype = math.type
  tostring = function(v)
    if type(v) ~= "number" or (mtype ~= nil and mtype(v) == "integer") then return rawtostring(v) end
    if v ~= v then return "NaN" end
    if v == huge then return "Infinity" end
    if v == -huge then return "-Infinity" end
    if v == 0 then return "0" end
    if v == mfloor(v) and v > -1e21 and v < 1e21 then return fmt("%.0f", v) end
    for p = 15, 17 do
      local s = fmt("%." .. p .. "g", v)
      if tonumber(s) == v then return s end
    end
    return rawtostring(v)
  end
end

-- ---------------------------------------------------------------- Math, Object, Number
Math = Math or {}
function Math.imul(_, a, b)
  a = tobit32(floor(a)); b = tobit32(floor(b))
  local ah, al = floor((a % 4294967296) / 65536), (a % 4294967296) % 65536
  -- (ah * 2^16 + al) * b mod 2^32, kept below 2^53 at every step.
  local lo = al * (b % 4294967296)
  local hi = (ah * (b % 65536)) % 65536
  return tobit32(lo + hi * 65536)
end
function Math.clz32(_, x)
  x = x % 4294967296
  if x == 0 then return 32 end
  local n = 0
  while x < 2147483648 do x = x * 2; n = n + 1 end
  return n
end
function string.lastIndexOf(s, sub)
  local at, from = -1, 1
  while true do
    local i = string.find(s, sub, from, true)
    if i == nil then return at end
    at, from = i - 1, i + 1
  end
end
Object = Object or {}
function Object.freeze(_, o) return o end
function Object.getPrototypeOf(_, o)
  local mt = getmetatable(o)
  return mt
end

-- ---------------------------------------------------------------- 64-bit scalars (src/mcapi/u64.lua.ts)
-- Lua 5.3 with 64-bit integers: native split and join (compiled at run time: 5.1 cannot parse
-- the operators). Absent elsewhere, where u64.lua.ts works with doubles up to 2^53-1.
if math.type ~= nil and math.maxinteger ~= nil and math.maxinteger > 2147483647 then
  mcdsm_u64 = load([[
    local mtype = math.type
    return {
      isInteger = function(v) return mtype(v) == "integer" end,
      split = function(v) return { (v >> 32) & 0xFFFFFFFF, v & 0xFFFFFFFF } end,
      join = function(hi, lo) return (math.tointeger(hi) << 32) | math.tointeger(lo) end,
    }
  ]])()
end

-- ---------------------------------------------------------------- keys added later
-- JavaScript lists an object's keys in insertion order; a Lua table has none. An object
-- literal's shape (scripts/lua-object-order.mjs) gives its own keys' order; keys added after it
-- (`o[k] = v` on a key the table lacks: `__newindex`, one call per key added, none per update)
-- are recorded here per object, so `namedFigures`' records (the console's `stats`), spreads
-- and JSON.parse's objects grown later print as on XS. Deleting a key is a plain nil store
-- (no hook): the list keeps it until it is added again (then it moves last, as in JavaScript)
-- or a compaction drops it. Keys set without the hook (rawset, numbers) come after, sorted.
local laterKeys
do
  local added = setmetatable({}, { __mode = "k" }) -- object -> { keys as added, pos = {k -> i} }
  -- A list longer than this is compacted (deleted keys dropped) before it grows further.
  local COMPACT_FLOOR = 16
  local function shapeSet(mt)
    local set = rawget(mt, "____set")
    if set == nil then
      set = {}
      local order = rawget(mt, "____order")
      if order ~= nil then for i = 1, #order do set[order[i]] = true end end
      rawset(mt, "____set", set)
    end
    return set
  end
  function mcdsm_key_added(obj, k, v)
    rawset(obj, k, v)
    if v == nil or type(k) ~= "string" then return end
    local mt = getmetatable(obj)
    if mt ~= nil and shapeSet(mt)[k] then return end
    local list = added[obj]
    if list == nil then
      list = { pos = {}, n = 0, limit = COMPACT_FLOOR }
      added[obj] = list
    end
    local pos = list.pos
    if pos[k] ~= nil then list[pos[k]] = false end
    if list.n >= list.limit then
      local n = 0
      for i = 1, list.n do
        local key = list[i]
        if key and rawget(obj, key) ~= nil then n = n + 1; list[n] = key; pos[key] = n
        elseif key then pos[key] = nil end
        if i > n then list[i] = nil end
      end
      list.n = n
      list.limit = math.max(COMPACT_FLOOR, 2 * n)
    end
    list.n = list.n + 1
    list[list.n] = k
    pos[k] = list.n
  end
  -- The keys of `obj` not in `listed`: those added later in their order, then the rest sorted
  -- (numbers first); `strings`: string keys only (JSON).
  function laterKeys(obj, listed, strings)
    local out, seen = {}, {}
    local list = added[obj]
    if list ~= nil then
      for i = 1, list.n do
        local k = list[i]
        if k and not listed[k] and rawget(obj, k) ~= nil then out[#out + 1] = k; seen[k] = true end
      end
    end
    local rest = {}
    for k in pairs(obj) do
      if not listed[k] and not seen[k] and (not strings or type(k) == "string") then rest[#rest + 1] = k end
    end
    table.sort(rest, function(a, b)
      local ta, tb = type(a), type(b)
      if ta ~= tb then return ta == "number" end
      return a < b
    end)
    for i = 1, #rest do out[#out + 1] = rest[i] end
    return out
  end
end

-- ---------------------------------------------------------------- JSON
-- JSON.stringify / JSON.parse for what the runtime exchanges (boot config, app results):
-- tables with keys 1..n are arrays, other tables objects. An object literal carries its shape
-- (scripts/lua-object-order.mjs: source key order, null members; keys added later in their
-- order), so it is written as JavaScript writes it; so do JSON.parse's objects and spreads.
-- Other tables keep no key order: their keys come out sorted.
-- An empty table without a shape is written as [].
JSON = {}
do
  local fmt, byte, char, sub = string.format, string.byte, string.char, string.sub
  local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
  local function quote(s)
    return '"' .. s:gsub('[%c"\\]', function(c) return escapes[c] or fmt('\\u%04x', byte(c)) end) .. '"'
  end
  local encode
  function encode(v, out)
    local t = type(v)
    if v == nil then out[#out + 1] = "null"
    elseif t == "boolean" then out[#out + 1] = v and "true" or "false"
    elseif t == "number" then
      if v ~= v or v == math.huge or v == -math.huge then out[#out + 1] = "null" else out[#out + 1] = tostring(v) end
    elseif t == "string" then out[#out + 1] = quote(v)
    elseif t == "table" then
      local n = rawget(v, "length") == nil and #v or 0
      local mt = getmetatable(v)
      if mt ~= nil and rawget(mt, "____typed") then
        out[#out + 1] = "{"
        for i = 0, v.length - 1 do
          if i > 0 then out[#out + 1] = "," end
          out[#out + 1] = '"' .. i .. '":' .. tostring(v[i])
        end
        out[#out + 1] = "}"
      elseif mt ~= nil and rawget(mt, "____order") ~= nil then
        -- An object literal's shape (scripts/lua-object-order.mjs): JavaScript's key order and
        -- its null members, then keys added later, in the order they were added.
        local order, nulls, listed, first = rawget(mt, "____order"), rawget(mt, "____nulls"), {}, true
        local function member(k, x)
          if x == nil and not (nulls ~= nil and nulls[k]) then return end
          if type(x) == "function" then return end
          if not first then out[#out + 1] = "," end
          first = false
          out[#out + 1] = quote(k) .. ":"
          encode(x, out)
        end
        out[#out + 1] = "{"
        for i = 1, #order do
          local k = order[i]
          listed[k] = true
          member(k, rawget(v, k))
        end
        local extra = laterKeys(v, listed, true)
        for i = 1, #extra do member(extra[i], rawget(v, extra[i])) end
        out[#out + 1] = "}"
      elseif n > 0 or next(v) == nil then
        out[#out + 1] = "["
        for i = 1, n do
          if i > 1 then out[#out + 1] = "," end
          if type(v[i]) == "function" then out[#out + 1] = "null" else encode(v[i], out) end
        end
        out[#out + 1] = "]"
      else
        local keys = {}
        for k, x in pairs(v) do
          if type(k) == "string" and type(x) ~= "function" then keys[#keys + 1] = k end
        end
        table.sort(keys)
        out[#out + 1] = "{"
        for i, k in ipairs(keys) do
          if i > 1 then out[#out + 1] = "," end
          out[#out + 1] = quote(k) .. ":"
          encode(v[k], out)
        end
        out[#out + 1] = "}"
      end
    else
      out[#out + 1] = "null"
    end
  end
  function JSON.stringify(_, v)
    if type(v) == "function" then return nil end
    local out = {}
    encode(v, out)
    return table.concat(out)
  end

  local function fail(s, i, what)
    error({ name = "SyntaxError", message = "JSON.parse: " .. what .. " at position " .. (i - 1) }, 0)
  end
  local function ws(s, i)
    return s:find("[^ \t\r\n]", i) or #s + 1
  end
  local value
  local function str(s, i)
    local parts, j = {}, i + 1
    while true do
      local c = sub(s, j, j)
      if c == "" then fail(s, j, "unterminated string") end
      if c == '"' then return table.concat(parts), j + 1 end
      if c == "\\" then
        local e = sub(s, j + 1, j + 1)
        local map = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }
        if map[e] then parts[#parts + 1] = map[e]; j = j + 2
        elseif e == "u" then
          local cp = tonumber(sub(s, j + 2, j + 5), 16)
          if cp == nil then fail(s, j, "bad \\u escape") end
          j = j + 6
          if cp >= 0xD800 and cp <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
            local lo = tonumber(sub(s, j + 2, j + 5), 16)
            if lo and lo >= 0xDC00 and lo <= 0xDFFF then cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00); j = j + 6 end
          end
          if cp < 0x80 then parts[#parts + 1] = char(cp)
          elseif cp < 0x800 then parts[#parts + 1] = char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64)
          elseif cp < 0x10000 then parts[#parts + 1] = char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
          else parts[#parts + 1] = char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64, 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64) end
        else fail(s, j, "bad escape") end
      else
        local k = s:find('["\\]', j) or #s + 1
        parts[#parts + 1] = sub(s, j, k - 1)
        j = k
      end
    end
  end
  function value(s, i)
    i = ws(s, i)
    local c = sub(s, i, i)
    if c == "{" then
      -- An object keeps its shape (key order, null members) like an object literal: it is
      -- written back as it was read, and Array.isArray says false even when it is empty. Keys
      -- added once it is read come after, in their order (the hook is set when it is complete).
      local order, nulls = {}, {}
      local mt = { ____order = order, ____nulls = nulls }
      local o = setmetatable({}, mt)
      i = ws(s, i + 1)
      if sub(s, i, i) == "}" then mt.__newindex = mcdsm_key_added; return o, i + 1 end
      while true do
        i = ws(s, i)
        if sub(s, i, i) ~= '"' then fail(s, i, "expected a key") end
        local k
        k, i = str(s, i)
        i = ws(s, i)
        if sub(s, i, i) ~= ":" then fail(s, i, "expected ':'") end
        if o[k] == nil and not nulls[k] then order[#order + 1] = k end
        o[k], i = value(s, i + 1)
        if o[k] == nil then nulls[k] = true end
        i = ws(s, i)
        local d = sub(s, i, i)
        if d == "}" then mt.__newindex = mcdsm_key_added; return o, i + 1 end
        if d ~= "," then fail(s, i, "expected ',' or '}'") end
        i = i + 1
      end
    elseif c == "[" then
      local a, n = {}, 0
      i = ws(s, i + 1)
      if sub(s, i, i) == "]" then return a, i + 1 end
      while true do
        n = n + 1
        a[n], i = value(s, i)
        i = ws(s, i)
        local d = sub(s, i, i)
        if d == "]" then return a, i + 1 end
        if d ~= "," then fail(s, i, "expected ',' or ']'") end
        i = i + 1
      end
    elseif c == '"' then return str(s, i)
    elseif sub(s, i, i + 3) == "true" then return true, i + 4
    elseif sub(s, i, i + 4) == "false" then return false, i + 5
    elseif sub(s, i, i + 3) == "null" then return nil, i + 4
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
      if num == nil or num == "" then fail(s, i, "unexpected character") end
      local v = tonumber(num)
      if v == nil then fail(s, i, "bad number") end
      -- JSON numbers are doubles in JavaScript; integral ones stay integers here (5.3).
      return v, i + #num
    end
  end
  function JSON.parse(_, text)
    local v, i = value(text, 1)
    if ws(text, i) <= #text then fail(text, i, "unexpected trailing text") end
    return v
  end
end

-- ---------------------------------------------------------------- typed arrays
local function isTyped(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt and rawget(mt, "____typed") == true
end

local function defineTyped(name, size, store)
  local C = { prototype = {}, name = name, BYTES_PER_ELEMENT = size }
  local P = C.prototype
  P.__index = P
  P.constructor = C
  P.____typed = true
  P.BYTES_PER_ELEMENT = size
  local function init(self, n)
    for i = 0, n - 1 do self[i] = 0 end
    self.length = n
    self.byteOffset = 0
    self.byteLength = n * size
    self.buffer = self
  end
  function P.____constructor(self, a, off, len)
    if a == nil then init(self, 0); return end
    if type(a) == "number" then init(self, a); return end
    if isTyped(a) then
      -- new X(typedArray) copies values; new X(buffer, offset, length) reads bytes (a copy).
      if off == nil and len == nil and getmetatable(a).constructor == C or (off == nil and size == 1) then
        local n = a.length
        for i = 0, n - 1 do self[i] = store(a[i]) end
        self.length = n; self.byteOffset = 0; self.byteLength = n * size; self.buffer = self
        return
      end
      local o = off or 0
      local n = len or floor((a.length * (a.BYTES_PER_ELEMENT or 1) - o) / size)
      init(self, n)
      for i = 0, n - 1 do self[i] = C.readLE(a, o + i * size) end
      return
    end
    -- a plain (1-based) Lua array
    local n = #a
    for i = 0, n - 1 do self[i] = store(a[i + 1]) end
    self.length = n; self.byteOffset = 0; self.byteLength = n * size; self.buffer = self
  end
  function P.subarray(self, s, e)
    local n = self.length
    s = s or 0; e = e or n
    if s < 0 then s = n + s; if s < 0 then s = 0 end end
    if e < 0 then e = n + e end
    if e > n then e = n end
    if s > n then s = n end
    local out = setmetatable({}, P)
    local m = e - s
    if m < 0 then m = 0 end
    for i = 0, m - 1 do out[i] = self[s + i] end
    out.length = m; out.byteOffset = 0; out.byteLength = m * size; out.buffer = out
    return out
  end
  P.slice = P.subarray
  function P.set(self, src, at)
    at = at or 0
    local n
    if isTyped(src) then
      n = src.length
      if at + n > self.length then error("RangeError: offset is out of bounds", 2) end
      if src == self then return end
      for i = 0, n - 1 do self[at + i] = store(src[i]) end
    else
      n = #src
      if at + n > self.length then error("RangeError: offset is out of bounds", 2) end
      for i = 0, n - 1 do self[at + i] = store(src[i + 1]) end
    end
  end
  function P.fill(self, v, s, e)
    local n = self.length
    s = s or 0; e = e or n
    if s < 0 then s = n + s end
    if e < 0 then e = n + e end
    if e > n then e = n end
    v = store(v)
    for i = s, e - 1 do self[i] = v end
    return self
  end
  function P.indexOf(self, v, from)
    for i = from or 0, self.length - 1 do if self[i] == v then return i end end
    return -1
  end
  function P.includes(self, v) return P.indexOf(self, v) >= 0 end
  function P.every(self, f)
    for i = 0, self.length - 1 do if not f(nil, self[i], i, self) then return false end end
    return true
  end
  function P.some(self, f)
    for i = 0, self.length - 1 do if f(nil, self[i], i, self) then return true end end
    return false
  end
  function P.forEach(self, f)
    for i = 0, self.length - 1 do f(nil, self[i], i, self) end
  end
  function P.join(self, sep)
    local parts = {}
    for i = 0, self.length - 1 do parts[i + 1] = tostring(self[i]) end
    return table.concat(parts, sep or ",")
  end
  _G[name] = C
  return C
end

local function u8(v) return v % 256 end
local function i16(v) v = v % 65536; if v >= 32768 then v = v - 65536 end; return v end
local function u32(v) return v % 4294967296 end
local function i32(v) return tobit32(v) end
local function f64(v) return v end

defineTyped("Uint8Array", 1, function(v) return v end).readLE = function(a, o) return a[o] end
defineTyped("Int16Array", 2, i16).readLE = function(a, o) return i16(a[o] + a[o + 1] * 256) end
defineTyped("Uint32Array", 4, u32).readLE = function(a, o) return a[o] + a[o + 1] * 256 + a[o + 2] * 65536 + a[o + 3] * 16777216 end
defineTyped("Int32Array", 4, i32).readLE = function(a, o) return i32(a[o] + a[o + 1] * 256 + a[o + 2] * 65536 + a[o + 3] * 16777216) end
defineTyped("Float64Array", 8, f64).readLE = function() error("Float64Array over bytes is not supported on Lua", 2) end
ArrayBuffer = Uint8Array

-- ---------------------------------------------------------------- DataView (aliases its array)
do
  local C = { prototype = {}, name = "DataView" }
  local P = C.prototype
  P.__index = P
  P.constructor = C
  function P.____constructor(self, buf, off, len)
    self.bytes = buf
    self.byteOffset = off or 0
    self.byteLength = len or (buf.length - (off or 0))
    self.buffer = buf
  end
  local function get(self, o, n, little)
    local b, base, v = self.bytes, self.byteOffset + o, 0
    if o < 0 or o + n > self.byteLength then error("RangeError: offset is outside the bounds of the DataView", 3) end
    if little then
      for i = n - 1, 0, -1 do v = v * 256 + b[base + i] end
    else
      for i = 0, n - 1 do v = v * 256 + b[base + i] end
    end
    return v
  end
  local function set(self, o, n, v, little)
    local b, base = self.bytes, self.byteOffset + o
    if o < 0 or o + n > self.byteLength then error("RangeError: offset is outside the bounds of the DataView", 3) end
    v = v % (2 ^ (8 * n))
    for i = 0, n - 1 do
      local byte = floor(v % 256)
      v = floor(v / 256)
      if little then b[base + i] = byte else b[base + n - 1 - i] = byte end
    end
  end
  function P.getUint8(self, o) return get(self, o, 1, true) end
  function P.setUint8(self, o, v) set(self, o, 1, v, true) end
  function P.getUint16(self, o, le) return get(self, o, 2, le) end
  function P.setUint16(self, o, v, le) set(self, o, 2, v, le) end
  function P.getUint32(self, o, le) return get(self, o, 4, le) end
  function P.setUint32(self, o, v, le) set(self, o, 4, v, le) end
  function P.getInt32(self, o, le) return tobit32(get(self, o, 4, le)) end
  function P.setInt32(self, o, v, le) set(self, o, 4, v, le) end
  local function packF64(v)
    if string.pack then return string.pack("<d", v) end
    -- Lua 5.1: IEEE 754 by hand (finite values, infinities, NaN).
    local sign = 0
    if v < 0 or (v == 0 and 1 / v < 0) then sign = 1; v = -v end
    local mant, expo
    if v ~= v then expo, mant = 2047, 2 ^ 51
    elseif v == math.huge then expo, mant = 2047, 0
    elseif v == 0 then expo, mant = 0, 0
    else
      local m, e = math.frexp(v)
      if e + 1022 <= 0 then
        mant = v / 2 ^ -1074; expo = 0
      else
        mant = (m * 2 - 1) * 2 ^ 52; expo = e + 1022
      end
    end
    local bytes = {}
    for i = 1, 6 do bytes[i] = mant % 256; mant = floor(mant / 256) end
    bytes[7] = (expo % 16) * 16 + mant
    bytes[8] = sign * 128 + floor(expo / 16)
    return string.char(unpack(bytes))
  end
  local function unpackF64(s)
    if string.unpack then return (string.unpack("<d", s)) end
    local b = { s:byte(1, 8) }
    local sign = b[8] >= 128 and -1 or 1
    local expo = (b[8] % 128) * 16 + floor(b[7] / 16)
    local mant = b[7] % 16
    for i = 6, 1, -1 do mant = mant * 256 + b[i] end
    if expo == 2047 then return mant == 0 and sign * math.huge or 0 / 0 end
    if expo == 0 then return sign * mant * 2 ^ -1074 end
    return sign * (1 + mant / 2 ^ 52) * 2 ^ (expo - 1023)
  end
  function P.setFloat64(self, o, v, le)
    local s = packF64(v)
    if o < 0 or o + 8 > self.byteLength then error("RangeError: offset is outside the bounds of the DataView", 2) end
    for i = 0, 7 do
      local byte = s:byte(i + 1)
      if le then self.bytes[self.byteOffset + o + i] = byte else self.bytes[self.byteOffset + o + 7 - i] = byte end
    end
  end
  function P.getFloat64(self, o, le)
    if o < 0 or o + 8 > self.byteLength then error("RangeError: offset is outside the bounds of the DataView", 2) end
    local t = {}
    for i = 0, 7 do
      t[i + 1] = le and self.bytes[self.byteOffset + o + i] or self.bytes[self.byteOffset + o + 7 - i]
    end
    return unpackF64(string.char(unpack(t)))
  end
  DataView = C
end

-- ---------------------------------------------------------------- JavaScript-ordered jobs
-- A FIFO of promise jobs, drained by the host at the end of each turn (mcdsm_drain_jobs).
local jobs, jhead, jtail = {}, 1, 0
local function enqueue(f, a, b)
  jtail = jtail + 1
  jobs[jtail] = { f, a, b }
end
function mcdsm_drain_jobs()
  local ran = 0
  while jhead <= jtail do
    local j = jobs[jhead]
    jobs[jhead] = nil
    jhead = jhead + 1
    j[1](j[2], j[3])
    ran = ran + 1
  end
  jobs, jhead, jtail = {}, 1, 0
  return ran
end
function mcdsm_pending_jobs() return jtail - jhead + 1 end

local lualib = require("lualib_bundle")

-- ---------------------------------------------------------------- Map and Set iteration as in JavaScript
-- TSTL's Map and Set keep insertion order in a linked list, and their iterators step with
-- nextKey[current] when asked for the next entry: deleting the entry a for-of loop is on ends
-- the loop there (`for (const p of set) set.delete(p)` visited one element: MCAPI's flush of
-- batched responses sent the first peer's and left the others for the next turn). JavaScript
-- iterators survive deletions and see entries added while they run. Each entry gets an
-- insertion serial; an iterator remembers the serial of the entry it returned and that entry's
-- successor, and when the entry is gone resumes at the earliest live entry inserted after it.
do
  local Symbol = lualib.Symbol
  local function orderedIteration(C, insertName, project)
    local P = C.prototype
    local rawInsert, rawDelete, rawClear = P[insertName], P.delete, P.clear
    P[insertName] = function(self, k, v)
      if not self:has(k) then
        local n = (self.____serialNext or 0) + 1
        self.____serialNext = n
        local serial = self.____serial
        if serial == nil then serial = {}; self.____serial = serial end
        serial[k] = n
      end
      return rawInsert(self, k, v)
    end
    P.delete = function(self, k)
      local ok = rawDelete(self, k)
      if ok then self.____serial[k] = nil end
      return ok
    end
    P.clear = function(self)
      rawClear(self)
      self.____serial = {}
    end
    local function iterator(self, shape)
      local started, finished = false, false
      local key, keySerial, succ, succSerial
      local function advance()
        if not started then
          started = true
          return self.firstKey
        end
        local serial = self.____serial or {}
        if serial[key] == keySerial then return self.nextKey[key] end
        if succ ~= nil and serial[succ] == succSerial then return succ end
        -- Both gone: the earliest live entry inserted after `key`, found from the tail.
        local k, found = self.lastKey, nil
        while k ~= nil and serial[k] ~= nil and serial[k] > keySerial do
          found = k
          k = self.previousKey[k]
        end
        return found
      end
      return {
        [Symbol.iterator] = function(it) return it end,
        next = function()
          if finished then return { done = true } end
          local k = advance()
          if k == nil or self.size == 0 then
            finished = true
            return { done = true }
          end
          local serial = self.____serial
          key, keySerial = k, serial[k]
          succ = self.nextKey[k]
          succSerial = succ ~= nil and serial[succ] or nil
          return { done = false, value = project(self, k, shape) }
        end,
      }
    end
    function P.keys(self) return iterator(self, "key") end
    function P.values(self) return iterator(self, "value") end
    function P.entries(self) return iterator(self, "entry") end
  end
  orderedIteration(lualib.Map, "set", function(self, k, shape)
    if shape == "key" then return k end
    if shape == "value" then return self.items[k] end
    return { k, self.items[k] }
  end)
  lualib.Map.prototype[Symbol.iterator] = function(self) return self:entries() end
  orderedIteration(lualib.Set, "add", function(_, k, shape)
    if shape == "entry" then return { k, k } end
    return k
  end)
  lualib.Set.prototype[Symbol.iterator] = function(self) return self:values() end
end
local New, InstanceOf, Class = lualib.__TS__New, lualib.__TS__InstanceOf, lualib.__TS__Class
local ppcall = pcall

local Promise = Class()
Promise.name = "Promise"
local PENDING, FULFILLED, REJECTED = 0, 1, 2

local fulfill, rejectP, resolveWith

-- PerformPromiseThen: reactions run as jobs, in the order they were registered.
local function react(p, onF, onR)
  if p.state == PENDING then
    local r = p.reactions
    r[#r + 1] = { onF, onR }
  elseif p.state == FULFILLED then
    enqueue(onF, p.value)
  else
    enqueue(onR, p.rejectionReason)
  end
end

local function trigger(p, which, v)
  local r = p.reactions
  p.reactions = nil
  for i = 1, #r do enqueue(r[i][which], v) end
end

function fulfill(p, v)
  if p.state ~= PENDING then return end
  p.state = FULFILLED; p.value = v
  trigger(p, 1, v)
end

function rejectP(p, e)
  if p.state ~= PENDING then return end
  p.state = REJECTED; p.rejectionReason = e
  trigger(p, 2, e)
end

-- The resolving functions of a promise (CreateResolvingFunctions): one of them, once.
-- TSTL calls them with a self argument (`resolve(nil, v)`) when it sees the library's type,
-- without one (`resolve(v)`) once they were stored under a project function type: both work.
local function argument(...)
  if select("#", ...) >= 2 then return (select(2, ...)) end
  return (...)
end
local function resolvingFunctions(p)
  local done = false
  local function res(...)
    if done then return end
    done = true
    resolveWith(p, argument(...))
  end
  local function rej(...)
    if done then return end
    done = true
    rejectP(p, argument(...))
  end
  return res, rej
end

function resolveWith(p, v)
  if v == p then return rejectP(p, { name = "TypeError", message = "a promise resolved with itself" }) end
  if type(v) == "table" then
    local thenf
    local mt = getmetatable(v)
    if InstanceOf(v, Promise) then
      thenf = Promise.prototype["then"]
    elseif mt == nil or not rawget(mt, "____typed") then
      local ok, t = ppcall(function() return v["then"] end)
      if not ok then return rejectP(p, t) end
      if type(t) == "function" then thenf = t end
    end
    if thenf ~= nil then
      -- NewPromiseResolveThenableJob
      enqueue(function()
        local res, rej = resolvingFunctions(p)
        local ok, e = ppcall(thenf, v, res, rej)
        if not ok then rej(nil, e) end
      end)
      return
    end
  end
  fulfill(p, v)
end

function Promise.prototype.____constructor(self, executor)
  self.state = PENDING
  self.reactions = {}
  local res, rej = resolvingFunctions(self)
  local ok, e = ppcall(executor, nil, res, rej)
  if not ok then rej(nil, e) end
end

local function newPending()
  local p = setmetatable({}, Promise.prototype)
  p.state = PENDING
  p.reactions = {}
  return p
end

Promise.prototype["then"] = function(self, onF, onR)
  local out = newPending()
  react(self,
    function(v)
      if type(onF) ~= "function" then return resolveWith(out, v) end
      local ok, r = ppcall(onF, nil, v)
      if ok then resolveWith(out, r) else rejectP(out, r) end
    end,
    function(e)
      if type(onR) ~= "function" then return rejectP(out, e) end
      local ok, r = ppcall(onR, nil, e)
      if ok then resolveWith(out, r) else rejectP(out, r) end
    end)
  return out
end
function Promise.prototype.catch(self, onR)
  return self["then"](self, nil, onR)
end
function Promise.prototype.finally(self, onFinally)
  if type(onFinally) ~= "function" then return self["then"](self, onFinally, onFinally) end
  return self["then"](self,
    function(_, v)
      local p = Promise.resolve(onFinally(nil))
      return p["then"](p, function() return v end)
    end,
    function(_, e)
      local p = Promise.resolve(onFinally(nil))
      return p["then"](p, function() error(e, 0) end)
    end)
end

-- PromiseResolve: a promise of ours as itself.
function Promise.resolve(v)
  if InstanceOf(v, Promise) then return v end
  local p = newPending()
  resolveWith(p, v)
  return p
end
function Promise.reject(e)
  local p = newPending()
  rejectP(p, e)
  return p
end

local function promiseAll(items)
  local out = newPending()
  local n = #items
  local values, left = {}, n + 1
  for i = 1, n do
    local p = Promise.resolve(items[i])
    local done = false
    p["then"](p, function(_, v)
      if done then return end
      done = true
      values[i] = v
      left = left - 1
      if left == 0 then fulfill(out, values) end
    end, function(_, e) rejectP(out, e) end)
  end
  left = left - 1
  if left == 0 then fulfill(out, values) end
  return out
end

local function promiseRace(items)
  local out = newPending()
  for i = 1, #items do
    local p = Promise.resolve(items[i])
    p["then"](p, function(_, v) resolveWith(out, v) end, function(_, e) rejectP(out, e) end)
  end
  return out
end

local function promiseAllSettled(items)
  local out = newPending()
  local n = #items
  local values, left = {}, n + 1
  local function one(i, r)
    values[i] = r
    left = left - 1
    if left == 0 then fulfill(out, values) end
  end
  for i = 1, n do
    local p = Promise.resolve(items[i])
    p["then"](p, function(_, v) one(i, { status = "fulfilled", value = v }) end,
      function(_, e) one(i, { status = "rejected", reason = e }) end)
  end
  left = left - 1
  if left == 0 then fulfill(out, values) end
  return out
end

-- Async functions as coroutines: `await x` yields x; the function resumes in a job once
-- PromiseResolve(x) settles (one job for a promise of ours, as in JavaScript).
local cocreate, coresume, costatus, coyield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield

local function asyncAwaiter(generator)
  local out = newPending()
  local co = cocreate(generator)
  local resolved = false
  local step
  local function onValue(v) step(coresume(co, v)) end
  local function onError(e) step(coresume(co, mcdsm_await_error(e))) end
  function step(ok, r)
    if resolved then return end
    if not ok then
      resolved = true
      return rejectP(out, r)
    end
    if costatus(co) == "dead" then
      resolved = true
      return resolveWith(out, nil)
    end
    react(Promise.resolve(r), onValue, onError)
  end
  step(coresume(co, function(_, v)
    resolved = true
    resolveWith(out, v)
  end))
  return out
end

-- An awaited rejection resumes the coroutine with a marker that __TS__Await turns into error().
local AWAIT_ERROR = {}
function mcdsm_await_error(e) return { [AWAIT_ERROR] = true, e = e } end
local function await(x)
  local v = coyield(x)
  if type(v) == "table" and v[AWAIT_ERROR] then error(v.e, 0) end
  return v
end

-- Object.keys / entries / values and object spreads follow an object's shape (its literal's key
-- order, scripts/lua-object-order.mjs) and the keys added later (laterKeys) as JavaScript follows
-- insertion order; other keys come after, sorted (pairs() order is a hash order, different on
-- every Lua). So a console
-- record prints its fields in the order XS prints them.
do
  local function orderedKeys(obj)
    local keys, listed = {}, {}
    local mt = getmetatable(obj)
    local order = mt ~= nil and rawget(mt, "____order") or nil
    if order ~= nil then
      local nulls = rawget(mt, "____nulls")
      for i = 1, #order do
        local k = order[i]
        if rawget(obj, k) ~= nil or (nulls ~= nil and nulls[k]) then keys[#keys + 1] = k end
        listed[k] = true
      end
    end
    local extra = laterKeys(obj, listed, false)
    for i = 1, #extra do keys[#keys + 1] = extra[i] end
    return keys
  end
  mcdsm_ordered_keys = orderedKeys
  lualib.__TS__ObjectKeys = function(obj)
    local keys = orderedKeys(obj)
    return keys
  end
  lualib.__TS__ObjectValues = function(obj)
    local keys, out = orderedKeys(obj), {}
    for i = 1, #keys do out[i] = obj[keys[i]] end
    return out
  end
  lualib.__TS__ObjectEntries = function(obj)
    local keys, out = orderedKeys(obj), {}
    for i = 1, #keys do out[i] = { keys[i], obj[keys[i]] } end
    return out
  end
  -- `{ a, ...b }` is ObjectAssign({ a }, b): the result's shape is the target's keys, then each
  -- source's in its order (a fresh shape: literal shapes are shared by every object of a site).
  lualib.__TS__ObjectAssign = function(target, ...)
    local order, nulls, seen = {}, {}, {}
    local function add(k, isNull)
      if type(k) ~= "string" then return end
      if not seen[k] then seen[k] = true; order[#order + 1] = k end
      if isNull then nulls[k] = true end
    end
    local function shapeOf(o)
      local mt = getmetatable(o)
      local ns = mt ~= nil and rawget(mt, "____nulls") or nil
      local ks = orderedKeys(o)
      for i = 1, #ks do add(ks[i], ns ~= nil and ns[ks[i]] and rawget(o, ks[i]) == nil) end
    end
    local tmt = getmetatable(target)
    local plain = tmt == nil or rawget(tmt, "____order") ~= nil
    if plain then shapeOf(target) end
    for i = 1, select("#", ...) do
      local source = select(i, ...)
      if type(source) == "table" then
        for key in pairs(source) do target[key] = source[key] end
        if plain then shapeOf(source) end
      end
    end
    if plain then setmetatable(target, { ____order = order, ____nulls = nulls, __newindex = mcdsm_key_added }) end
    return target
  end
end

-- Array.isArray: an object with a shape (object literals, JSON.parse's objects) or a typed array
-- is not an array, as in JavaScript; TSTL's test takes an empty table for an array.
do
  local rawIsArray = lualib.__TS__ArrayIsArray
  lualib.__TS__ArrayIsArray = function(v)
    if type(v) == "table" then
      local mt = getmetatable(v)
      if mt ~= nil and (rawget(mt, "____order") ~= nil or rawget(mt, "____typed") ~= nil) then return false end
    end
    return rawIsArray(v)
  end
end

lualib.__TS__Promise = Promise
lualib.__TS__AsyncAwaiter = asyncAwaiter
lualib.__TS__Await = await
lualib.__TS__PromiseAll = promiseAll
lualib.__TS__PromiseRace = promiseRace
lualib.__TS__PromiseAllSettled = promiseAllSettled
Promise.all = function(items) return promiseAll(items) end
Promise.race = function(items) return promiseRace(items) end
