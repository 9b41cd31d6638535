-- meshc language server for Neovim 0.7 and later: put this file in your config (for example
-- ~/.config/nvim/plugin/meshc.lua). It starts `meshc lsp` for .mesh buffers, one server per
-- project root (the nearest folder holding a .git, else the file's folder). Set
-- `vim.g.meshc_path` if meshc is not on PATH.

-- (An autocmd rather than vim.filetype.add, which Neovim 0.7 only honours with filetype.lua.)
vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, { pattern = "*.mesh", command = "setfiletype mesh" })

local function root_of(file)
  local dir = vim.fn.fnamemodify(file, ":p:h")
  local git = vim.fn.finddir(".git", dir .. ";")
  if git ~= "" then
    return vim.fn.fnamemodify(git, ":p:h:h")
  end
  return dir
end

local clients = {} -- root → client id (Neovim 0.7 has no vim.lsp.start)

vim.api.nvim_create_autocmd("FileType", {
  pattern = "mesh",
  callback = function(args)
    local root = root_of(vim.api.nvim_buf_get_name(args.buf))
    local config = {
      name = "meshc",
      cmd = { vim.g.meshc_path or "meshc", "lsp" },
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    }
    if vim.lsp.start then
      vim.lsp.start(config, { bufnr = args.buf })
      return
    end
    local id = clients[root]
    if not id or vim.lsp.client_is_stopped(id) then
      id = vim.lsp.start_client(config)
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
