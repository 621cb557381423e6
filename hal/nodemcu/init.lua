-- init.lua for a NodeMCU board running mcdsm (docs/LUA.md, "NodeMCU"). The runtime lives in
-- the LFS image (lfs.img, built from dist/lua/<5.1|5.3>/nodemcu/); the board's config is the
-- file mcdsm.json. Three seconds after boot the runtime takes UART0 over (binary, no Lua
-- prompt): to stop it, type  file.remove("init.lua")  (or node.LFS / tmr calls) within them.
local START_DELAY_MS = 3000

local function lfsGet(name)
  if node.LFS ~= nil and node.LFS.get ~= nil then return node.LFS.get(name) end
  if node.flashindex ~= nil then
    local f = node.flashindex(name)
    if type(f) == "function" then return f end
  end
  return nil
end

-- require() finds modules in LFS by their dotted names (the image's file names).
local loaders = package.loaders or package.searchers
table.insert(loaders, 2, function(name)
  local f = lfsGet(name)
  if f == nil then return "\n\tno LFS module '" .. name .. "'" end
  return f
end)

tmr.create():alarm(START_DELAY_MS, tmr.ALARM_SINGLE, function()
  if lfsGet("prelude") == nil then
    print("mcdsm: no LFS image with the runtime: flash lfs.img (docs/LUA.md)")
    return
  end
  require("prelude")
  require("hal.nodemcu.main").startNodemcu()
end)
