"""The editor configurations start the server the tests drive: `meshc lsp` for .mesh files."""

from __future__ import annotations

import json
import pathlib
import tomllib

REPO = pathlib.Path(__file__).resolve().parents[3]


def test_helix_configuration_starts_meshc_lsp():
    config = tomllib.loads((REPO / "editors/helix/languages.toml").read_text(encoding="utf-8"))
    server = config["language-server"]["meshc"]
    assert [server["command"], *server["args"]] == ["meshc", "lsp"]
    (language,) = config["language"]
    assert language["file-types"] == ["mesh"] and language["language-servers"] == ["meshc"]
    assert language["comment-token"] == "#"


def test_vscode_extension_contributes_the_language_and_the_setting():
    package = json.loads((REPO / "editors/vscode/package.json").read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    assert language["id"] == "mesh" and language["extensions"] == [".mesh"]
    (grammar,) = package["contributes"]["grammars"]
    assert (REPO / "editors/vscode" / grammar["path"]).is_file()
    assert package["contributes"]["configuration"]["properties"]["meshc.path"]["default"] == "meshc"


def test_neovim_snippet_starts_meshc_lsp():
    snippet = (REPO / "editors/neovim/meshc.lua").read_text(encoding="utf-8")
    assert 'cmd = { vim.g.meshc_path or "meshc", "lsp" }' in snippet
