-- Headless check of meshc.lua with the real server, run by editors/neovim/test/run.sh:
--   nvim --headless -u NONE -c 'luafile editors/neovim/test/check.lua'
-- Environment: MESHC (the binary), MESH_FILE (a .mesh file with one unknown version),
-- RESULT (where to write what happened). It loads the user snippet, opens the file, waits
-- for the server to attach and publish an E0102 diagnostic, records the server's pid, and
-- quits: run.sh then checks that the server exited with Neovim.

local result = assert(os.getenv("RESULT"), "RESULT is not set")
local lines = {}
local function say(line)
  table.insert(lines, line)
  local f = assert(io.open(result, "w"))
  f:write(table.concat(lines, "\n") .. "\n")
  f:close()
end

local ok, err = pcall(function()
  vim.g.meshc_path = assert(os.getenv("MESHC"), "MESHC is not set")
  local here = debug.getinfo(1, "S").source:sub(2)
  vim.cmd("luafile " .. vim.fn.fnamemodify(here, ":p:h:h") .. "/meshc.lua")
  vim.cmd("edit " .. assert(os.getenv("MESH_FILE"), "MESH_FILE is not set"))

  local attached = vim.wait(10000, function()
    return #vim.lsp.buf_get_clients(0) > 0
  end, 20)
  assert(attached, "meshc lsp did not attach to the buffer")
  local client = vim.lsp.buf_get_clients(0)[next(vim.lsp.buf_get_clients(0))]
  say("attached " .. client.name)

  local found = vim.wait(10000, function()
    return #vim.diagnostic.get(0) > 0
  end, 20)
  assert(found, "no diagnostics arrived")
  local d = vim.diagnostic.get(0)[1]
  say(string.format("diagnostic %s %s line %d", d.source, d.code, d.lnum + 1))
  say("pid " .. client.rpc.pid)
end)
if not ok then
  say("error " .. tostring(err))
end
vim.cmd("qa!")
