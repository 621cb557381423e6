-- A stand-in for the NodeMCU firmware's C modules (uart, tmr, node, file, net and the ESP32
-- console module), for test/lua/nodemcu.test.ts. What runs is real: lua5.1 / lua5.3, the
-- prelude, the runtime and hal/nodemcu compiled by the Lua build. What is stubbed is the
-- firmware: its modules record every call and are driven by a virtual-time scheduler that
-- wires boards together (UART bytes at the line's baud rate, cut in FIFO-sized chunks; UDP
-- datagrams), so several boards share one Lua VM (their module tables are swapped in before
-- each callback, as each board would see only its own).
--
-- lua5.x nodemcu-stub.lua DIST_DIR [image] < script
--   With `image`, nothing is loaded from DIST_DIR's module tree: each board runs the staged
--   dist/lua/<t>/nodemcu/init.lua, which finds every module through node.LFS.get in the flat
--   nodemcu/lfs/ folder (what luac.cross packs into lfs.img), after init.lua's start delay.
--   board FLAVOR            a board (esp8266: tmr.now wraps at 2^31 us, uart.on("data") on
--                           UART0 only; esp32: node.uptime, uart.start, uart.on(id, "data"))
--   file B NAME TEXT...     a file in board B's file system (the rest of the line)
--   wire A UA B UB BAUD     board A's UART UA to board B's UART UB
--   input B MS TEXT...      console input to board B at virtual time MS (then a line end)
--   run MS                  boot every board, run until each printed an app result or MS
-- Output: `console B <line>` per console line, `call B <module.fn> <args>` per firmware call,
-- `end <virtual ms>`.
local dist = arg[1]
local image = arg[2] == "image"
if image then
  package.path = ""
else
  package.path = dist .. "/?.lua;" .. package.path
  require("prelude")
end

local WRAP = 2 ^ 31
local CHUNK = 32          -- bytes per UART delivery (a FIFO's worth)
local UDP_LATENCY_MS = 1

local now = 0
local events, seq = {}, 0
local boards = {}
local calls = {}

local function record(b, name, ...)
  local parts = { "call", tostring(b.index), name }
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) == "function" then v = "fn" elseif type(v) == "string" then v = string.format("%q", v):sub(1, 40) end
    parts[#parts + 1] = tostring(v)
  end
  calls[#calls + 1] = table.concat(parts, " ")
end

local function at(t, b, fn, ...)
  seq = seq + 1
  events[#events + 1] = { t = t, seq = seq, b = b, fn = fn, args = { ... }, n = select("#", ...) }
end

local function enter(b)
  uart, tmr, node, file, net = b.uart, b.tmr, b.node, b.file, b.net
  _G.console = b.console
end

local function makeBoard(index, flavor)
  local b = { index = index, flavor = flavor, files = {}, consoleText = {}, uartData = {}, wires = {}, lineFree = {}, sockets = {}, results = 0, ip = "10.0.0." .. (index + 1) }
  local esp32 = flavor == "esp32"
  b.uart = {
    PARITY_NONE = 0, STOPBITS_1 = 1,
    setup = function(id, baud, ...) record(b, "uart.setup", id, baud, ...); return baud end,
    write = function(id, data)
      if id == b.consoleUart and b.console == nil then
        b.consoleText[#b.consoleText + 1] = data
        return
      end
      record(b, "uart.write", id, #data)
      local w = b.wires[id]
      if w == nil then return end
      -- Bytes leave at the baud rate, in order, behind what is already on the line.
      local start = math.max(now, b.lineFree[id] or 0)
      local msPerByte = 10000 / w.baud
      for i = 1, #data, CHUNK do
        local piece = data:sub(i, i + CHUNK - 1)
        local t = start + (i - 1 + #piece) * msPerByte
        at(t, w.peer, function() local cb = w.peer.uartData[w.peerUart]; if cb then cb(piece) end end)
      end
      b.lineFree[id] = start + #data * msPerByte
    end,
    on = function(...)
      local a = { ... }
      if esp32 then
        record(b, "uart.on", a[1], a[2], a[3], a[4])
        b.uartData[a[1]] = a[4]
      else
        record(b, "uart.on", a[1], a[2], a[3], a[4])
        b.uartData[0] = a[3]
      end
    end,
  }
  if esp32 then b.uart.start = function(id) record(b, "uart.start", id); return true end end
  b.tmr = {
    ALARM_SINGLE = 0,
    create = function()
      local t = { live = false }
      function t.alarm(self, ms, mode, fn)
        record(b, "tmr.alarm", ms, mode)
        self.live = true
        self.gen = (self.gen or 0) + 1
        local gen = self.gen
        at(now + ms, b, function() if self.live and self.gen == gen then self.live = false; fn(self) end end)
        return true
      end
      function t.stop(self) self.live = false; return true end
      function t.unregister(self) self.live = false end
      return t
    end,
    delay = function(us) record(b, "tmr.delay", us) end,
  }
  if not esp32 then
    -- Starts 20 ms before the wrap, so every run crosses it.
    b.tmr.now = function() return math.floor(now * 1000 + WRAP - 2e4) % WRAP end
    b.tmr.wdclr = function() end
  end
  b.node = {
    heap = function() return 40000 end,
    restart = function() record(b, "node.restart"); b.restarted = true end,
    task = { LOW_PRIORITY = 0, MEDIUM_PRIORITY = 1, HIGH_PRIORITY = 2,
      post = function(prio, fn) at(now, b, fn) end },
  }
  if esp32 then b.node.uptime = function() return math.floor(now * 1000) end end
  if image then
    b.node.LFS = { get = function(name) return loadfile(dist .. "/nodemcu/lfs/" .. name .. ".lua") end }
  end
  b.file = {
    getcontents = function(name) record(b, "file.getcontents", name); return b.files[name] end,
    putcontents = function(name, text) record(b, "file.putcontents", name); b.files[name] = text; return true end,
    remove = function(name) record(b, "file.remove", name); b.files[name] = nil end,
  }
  b.net = {
    createUDPSocket = function()
      local s = {}
      function s.listen(self, port) record(b, "udp.listen", port); b.sockets[port] = self end
      function s.on(self, ev, fn) record(b, "udp.on", ev); self.receive = fn end
      function s.close(self) self.receive = nil end
      function s.send(self, port, ip, data)
        record(b, "udp.send", port, ip, #data)
        for _, peer in ipairs(boards) do
          if peer.ip == ip then
            at(now + UDP_LATENCY_MS, peer, function()
              local dst = peer.sockets[port]
              if dst and dst.receive then dst.receive(dst, data, 0, b.ip) end
            end)
          end
        end
      end
      return s
    end,
  }
  if esp32 then
    b.console = {
      on = function(ev, n, fn) record(b, "console.on", ev, n); b.consoleInput = fn end,
      write = function(text) b.consoleText[#b.consoleText + 1] = text end,
    }
  end
  b.consoleUart = 0
  return b
end

local limit = 0
for line in io.lines() do
  local w = {}
  for word in line:gmatch("%S+") do w[#w + 1] = word end
  if w[1] == "board" then
    boards[#boards + 1] = makeBoard(#boards, w[2])
  elseif w[1] == "file" then
    local b = boards[tonumber(w[2]) + 1]
    b.files[w[3]] = line:match("^file%s+%S+%s+%S+%s+(.*)$")
  elseif w[1] == "wire" then
    local a, ua, b, ub, baud = boards[tonumber(w[2]) + 1], tonumber(w[3]), boards[tonumber(w[4]) + 1], tonumber(w[5]), tonumber(w[6])
    a.wires[ua] = { peer = b, peerUart = ub, baud = baud }
    b.wires[ub] = { peer = a, peerUart = ua, baud = baud }
  elseif w[1] == "input" then
    local b = boards[tonumber(w[2]) + 1]
    local text = line:match("^input%s+%S+%s+%S+%s+(.*)$") .. "\r\n"
    at(tonumber(w[3]), b, function()
      local fn = b.console ~= nil and b.consoleInput or b.uartData[0]
      if fn then fn(text) end
    end)
  elseif w[1] == "run" then
    limit = tonumber(w[2])
  end
end

for _, b in ipairs(boards) do
  enter(b)
  if image then dofile(dist .. "/nodemcu/init.lua") else require("hal.nodemcu.main").startNodemcu() end
end

local function results()
  for _, b in ipairs(boards) do
    if not table.concat(b.consoleText):find("# app%-result") then return false end
  end
  return true
end

while #events > 0 and now <= limit and not results() do
  local best = 1
  for i = 2, #events do
    local e, m = events[i], events[best]
    if e.t < m.t or (e.t == m.t and e.seq < m.seq) then best = i end
  end
  local e = table.remove(events, best)
  if e.t > now then now = e.t end
  if not e.b.restarted then
    enter(e.b)
    e.fn((table.unpack or unpack)(e.args, 1, e.n))
  end
end

for _, b in ipairs(boards) do
  local text = table.concat(b.consoleText)
  for l in text:gmatch("[^\r\n]+") do print("console " .. b.index .. " " .. l) end
end
for _, c in ipairs(calls) do print(c) end
print("end " .. string.format("%.3f", now))
