"""End-to-end tests of `meshc lsp` through a real LSP client (pytest-lsp), on copies of
examples/canary: diagnostics appearing and clearing, navigation, completion, rename,
formatting, quick fixes, UTF-16 positions, and robustness under arbitrary edits."""

from __future__ import annotations

import asyncio
import pathlib
import random

import pytest
from helpers import TIMEOUT, Doc, apply_edits, codes, for_version, next_diagnostics, position_of
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="function")


def shop(project: pathlib.Path) -> pathlib.Path:
    return project / "shop.mesh"


async def opened(client: LanguageClient, path: pathlib.Path, text: str | None = None) -> Doc:
    """Opens a document and waits for its first diagnostics (the example has none)."""
    doc = Doc(client, path, text)
    assert await next_diagnostics(client, doc.uri) == [] or text is not None
    return doc


async def test_diagnostics_appear_and_clear(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    doc.replace("checkout@v2:http $canary", "checkout@v9:http $canary")
    found = await next_diagnostics(client, doc.uri, for_version(doc.version))
    assert codes(found) == ["E0102"], found
    d = found[0]
    assert d.source == "meshc"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.range.start == doc.position("v9") and d.range.end == doc.position("v9", delta=2)
    assert "`v9`" in d.message and "help: did you mean" in d.message
    # Related information points at the versions the service declares.
    assert d.related_information, d
    assert d.related_information[0].location.uri == doc.uri

    doc.replace("checkout@v9:http", "checkout@v2:http")
    assert await next_diagnostics(client, doc.uri, for_version(doc.version)) == []

    # Saving answers with the diagnostics too.
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=doc.ident()))
    assert await next_diagnostics(client, doc.uri) == []


async def test_quick_fix_applies_the_suggestion(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    doc.replace("balance least_request", "balance least_requets")
    found = await next_diagnostics(client, doc.uri, for_version(doc.version))
    assert codes(found) == ["E0203"], found
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc.ident(),
            range=found[0].range,
            context=types.CodeActionContext(diagnostics=found),
        )
    )
    assert actions and len(actions) == 1, actions
    action = actions[0]
    assert action.kind == types.CodeActionKind.QuickFix and "least_request" in action.title
    edits = action.edit.changes[doc.uri]
    doc.set(apply_edits(doc.text, edits))
    assert "balance least_request" in doc.text
    assert await next_diagnostics(client, doc.uri, for_version(doc.version)) == []


async def test_whole_workspace_and_other_files(client: LanguageClient, project: pathlib.Path):
    # A second file, never opened, that declares `checkout` again: its diagnostic arrives
    # once the server learns of the file, with related information in shop.mesh.
    extra = project / "zz-extra.mesh"  # after shop.mesh: its declaration is the second
    extra.write_text("service checkout { port http 8080 }\n", encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    found = await next_diagnostics(client, extra.as_uri())
    assert codes(found) == ["E0301"], found
    # The server asked the client (which allows it) to watch .mesh files for it.
    assert any(r.method == "workspace/didChangeWatchedFiles" for r in client.registrations)
    related = found[0].related_information
    assert related and related[0].location.uri == shop(project).as_uri()

    # A syntax error in shop.mesh does not wipe extra.mesh's result.
    doc = Doc(client, shop(project))
    doc.replace("route inventory {", "route inventory {{")
    broken = await next_diagnostics(client, doc.uri, lambda p: "E0001" in codes(p.diagnostics))
    assert "E0001" in codes(broken)
    assert codes(client.diagnostics[extra.as_uri()]) == ["E0301"]

    # Deleting the file clears its diagnostics.
    extra.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Deleted)]
        )
    )
    assert await next_diagnostics(client, extra.as_uri()) == []


async def test_definition_of_every_kind_of_reference(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    cases = [
        # (text around the reference, offset of the reference in it, declaration, offset)
        ('hosts frontend, "', 6, "service frontend", 8),  # service in hosts
        ("checkout@v2:http $canary", 0, "service checkout", 8),  # service in a destination
        ("checkout@v2:http $canary", 9, "v1, v2, v3", 4),  # version
        ("checkout@v2:http $canary", 12, "port http 8080\n  port grpc", 5),  # port of checkout
        ("checkout@v2:http $canary", 17, "canary = 10%", 0),  # environment value
        ('hosts "${domain}"', 9, "domain: string", 0),  # value interpolated in a string
        ("via web", 4, "gateway web", 8),  # gateway of a route
        ("via egress\n", 4, "gateway egress", 8),  # gateway an external leaves through
        ("hosts payments", 6, "external payments", 9),  # external in hosts
    ]
    for ref, ref_delta, decl, decl_delta in cases:
        result = await client.text_document_definition_async(
            types.DefinitionParams(text_document=doc.ident(), position=doc.position(ref, delta=ref_delta))
        )
        assert result is not None, ref
        location = result if isinstance(result, types.Location) else result[0]
        assert location.uri == doc.uri
        assert location.range.start == doc.position(decl, delta=decl_delta), (ref, ref_delta, location.range)


async def test_references_and_hover(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    text = doc.text
    at = doc.position("service checkout", delta=len("service "))
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc.ident(), position=at, context=types.ReferenceContext(include_declaration=True)
        )
    )
    # The declaration, and every `checkout` that names the service (not the route's name,
    # not the policy's path strings).
    lines = {r.range.start.line for r in refs}
    assert position_of(text, "service checkout").line in lines
    assert position_of(text, "hosts checkout").line in lines
    assert position_of(text, "checkout@v3").line in lines
    assert all(text.splitlines()[r.range.start.line][r.range.start.character :].startswith("checkout") for r in refs)
    assert position_of(text, "route checkout").line not in lines

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("checkout@v3"))
    )
    value = hover.contents.value
    assert "```mesh\nservice checkout {" in value and "service `checkout`" in value and "shop.mesh:" in value, value

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("v3:http", delta=1))
    )
    assert "version `v3` of `checkout`" in hover.contents.value

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("retry 2", delta=2))
    )
    assert hover.contents.value.startswith("**keyword** `retry`"), hover.contents.value

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("timeout 10s", delta=9))
    )
    assert "**duration** `10s` = 10000 ms" in hover.contents.value

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("least_request", delta=3))
    )
    assert "load balancer" in hover.contents.value


async def completion_labels(client: LanguageClient, doc: Doc, needle: str, delta: int) -> list[str]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc.ident(), position=doc.position(needle, delta=delta))
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    return sorted(i.label for i in items)


async def test_completion_knows_the_context(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    doc.replace(
        "  any -> inventory {",
        "  any -> inventory {\n    mirror \n  }\n  any -> checkout@ {\n  }\n  any -> checkout: {\n  }\n  any -> inventory {",
    )
    doc.replace("  balance least_request", "  balance least_request\n  pool h2_upgrade \n  warmup 30")
    await next_diagnostics(client, doc.uri, for_version(doc.version))

    services = await completion_labels(client, doc, "mirror ", len("mirror "))
    assert services == ["checkout", "frontend", "inventory", "payments"], services
    assert await completion_labels(client, doc, "checkout@ ", len("checkout@")) == ["v1", "v2", "v3"]
    assert await completion_labels(client, doc, "checkout: ", len("checkout:")) == ["grpc", "http"]
    balancers = await completion_labels(client, doc, "balance least_request", len("balance "))
    assert balancers == ["hash", "least_request", "passthrough", "random", "round_robin"], balancers
    assert await completion_labels(client, doc, "h2_upgrade ", len("h2_upgrade ")) == [
        "default",
        "do_not_upgrade",
        "upgrade",
    ]
    units = await completion_labels(client, doc, "warmup 30", len("warmup 30"))
    assert "30s" in units and "30ms" in units and "30%" in units
    # At the start of a statement in a service: the service statements, no declarations.
    keywords = await completion_labels(client, doc, "  balance least_request", 2)
    assert {"port", "versions", "pool", "balance", "eject", "tls"} <= set(keywords), keywords
    assert "service" not in keywords and "route" not in keywords
    # `$` in a value position: the environment values.
    values = await completion_labels(client, doc, "$stable", 1)
    assert "$canary" in values and "$stable" in values


async def test_rename_across_files(client: LanguageClient, project: pathlib.Path):
    extra = project / "extra.mesh"
    extra.write_text("limit checkout {\n  local 100/1s\n}\n\nsidecar frontend {\n  egress checkout\n}\n", "utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    doc = await opened(client, shop(project))
    at = doc.position("checkout@v3")
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc.ident(), position=at)
    )
    assert prepared.placeholder == "checkout"
    assert prepared.range.start == at

    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc.ident(), position=at, new_name="cart")
    )
    assert set(edit.changes) == {doc.uri, extra.as_uri()}
    assert len(edit.changes[extra.as_uri()]) == 2
    renamed = apply_edits(doc.text, edit.changes[doc.uri])
    assert "service cart {" in renamed and "cart@v3:http" in renamed and "route checkout {" in renamed
    # The renamed program is still correct: no diagnostics anywhere.
    extra_doc = Doc(client, extra)
    extra_doc.set(apply_edits(extra_doc.text, edit.changes[extra.as_uri()]))
    doc.set(renamed)
    assert await next_diagnostics(client, doc.uri, for_version(doc.version)) == []
    assert "limit cart {" in extra_doc.text and "egress cart" in extra_doc.text

    # An invalid new name is refused with an error.
    with pytest.raises(Exception, match="not a name"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc.ident(), position=doc.position("cart@v3"), new_name="1cart")
        )


async def test_formatting_and_symbols(client: LanguageClient, project: pathlib.Path):
    messy = "mesh   m {namespace m}\nservice a {port http 80\n versions v1}\n"
    path = project / "messy.mesh"
    doc = Doc(client, path, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc.ident(), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits and len(edits) == 1
    formatted = apply_edits(messy, edits)
    assert "service a {\n  port http 80\n  versions v1\n}\n" in formatted, formatted
    doc.set(formatted)
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc.ident(), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert not again, "formatting is idempotent"

    shop_doc = Doc(client, shop(project))
    outline = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=shop_doc.ident())
    )
    names = [s.name for s in outline]
    assert {"shop", "checkout", "payments", "web", "storefront"} <= set(names), names
    checkout = next(s for s in outline if s.name == "checkout" and s.kind == types.SymbolKind.Class)
    assert {c.name for c in checkout.children} >= {"http", "grpc", "v1", "v2", "v3"}

    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="chkout"))
    assert any(s.name == "checkout" and s.location.uri == shop_doc.uri for s in found), found


async def test_semantic_tokens(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc.ident())
    )
    legend = client.initialize_result.capabilities.semantic_tokens_provider.legend.token_types
    data = result.data
    assert len(data) % 5 == 0 and data
    tokens = {}
    line = column = 0
    lines = doc.text.splitlines()
    for i in range(0, len(data), 5):
        d_line, d_start, length, kind, _ = data[i : i + 5]
        line += d_line
        column = column + d_start if d_line == 0 else d_start
        tokens[(line, column)] = (lines[line][column : column + length], legend[kind])
    at = doc.position("service checkout")
    assert tokens[(at.line, at.character)] == ("service", "keyword")
    assert tokens[(at.line, at.character + 8)] == ("checkout", "class")
    at = doc.position("timeout 10s")
    assert tokens[(at.line, at.character + 8)] == ("10s", "number")
    at = doc.position("$canary")
    assert tokens[(at.line, at.character)] == ("$canary", "variable")
    at = doc.position("# A shop")
    assert tokens[(at.line, 0)][1] == "comment"


async def test_utf16_positions(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    # Non-ASCII before the reference on its line: `é` is one UTF-16 unit, `𝄞` two.
    doc.replace('prefix "/api/checkout" -> checkout@v1', 'prefix "/é𝄞/checkout" -> checkout@v7')
    found = await next_diagnostics(client, doc.uri, for_version(doc.version))
    assert codes(found) == ["E0102"], found
    line_text = doc.text.splitlines()[found[0].range.start.line]
    assert line_text.startswith('  prefix "/é𝄞/')
    expected = position_of(doc.text, "v7")
    assert found[0].range.start == expected
    assert expected.character == line_text.index("v7") + 1  # 𝄞 counts twice
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.ident(), position=doc.position("checkout@v7"))
    )
    assert "service `checkout`" in hover.contents.value
    assert hover.range.start == doc.position("checkout@v7")


async def test_navigation_survives_a_syntax_error(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    # Break the route that holds the reference: it no longer parses.
    doc.replace("route inventory {", "route inventory {{")
    found = await next_diagnostics(client, doc.uri, for_version(doc.version))
    assert "E0001" in codes(found)
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.ident(), position=doc.position("-> inventory", delta=4))
    )
    assert result is not None
    location = result if isinstance(result, types.Location) else result[0]
    assert location.range.start == doc.position("service inventory", delta=len("service "))


async def test_file_outside_the_workspace(client: LanguageClient, tmp_path: pathlib.Path):
    outside = tmp_path / "elsewhere" / "alone.mesh"
    outside.parent.mkdir()
    outside.write_text("mesh m { namespace m }\nservice a { port http 80 }\nroute r { hosts a  any -> b }\n", "utf-8")
    doc = Doc(client, outside)
    found = await next_diagnostics(client, doc.uri)
    assert codes(found) == ["E0101"], found
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.ident(), position=doc.position("hosts a", delta=6))
    )
    assert result is not None
    doc.close()
    assert await next_diagnostics(client, doc.uri) == []


async def test_never_crashes_on_arbitrary_edits(client: LanguageClient, project: pathlib.Path):
    doc = await opened(client, shop(project))
    original = doc.text
    rng = random.Random(7)
    garbage = ["{", "}", "->", "@", ":", "$", '"', "é𝄞", "\u0000", "\r\n", "service", "#", "%", "/", "\t"]
    for step in range(40):
        choice = step % 4
        if choice == 0:
            text = original[: rng.randrange(len(original))]
        elif choice == 1:
            at = rng.randrange(len(original))
            text = original[:at] + rng.choice(garbage) + original[at:]
        elif choice == 2:
            a, b = sorted(rng.randrange(len(original)) for _ in range(2))
            text = original[:a] + original[b:]
        else:
            text = "".join(rng.choice(garbage) for _ in range(rng.randrange(50)))
        doc.set(text)
        # Positions anywhere, including past the end of lines and of the file.
        position = types.Position(line=rng.randrange(120), character=rng.randrange(200))
        ident = doc.ident()
        await asyncio.wait_for(
            asyncio.gather(
                client.text_document_hover_async(types.HoverParams(text_document=ident, position=position)),
                client.text_document_definition_async(types.DefinitionParams(text_document=ident, position=position)),
                client.text_document_completion_async(types.CompletionParams(text_document=ident, position=position)),
                client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=ident)),
                client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=ident)),
                client.text_document_prepare_rename_async(
                    types.PrepareRenameParams(text_document=ident, position=position)
                ),
            ),
            TIMEOUT,
        )
    doc.set(original)
    assert await next_diagnostics(client, doc.uri, for_version(doc.version)) == []


async def test_server_exits_when_the_client_goes_away(tmp_path: pathlib.Path):
    """An editor that dies without `exit` closes the server's stdin: the server must stop."""
    from conftest import server_command

    process = await asyncio.create_subprocess_exec(
        *server_command(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    process.stdin.close()
    assert await asyncio.wait_for(process.wait(), TIMEOUT) == 0


async def test_standard_library_imports(client: LanguageClient, tmp_path: pathlib.Path):
    """examples/biometrics imports std modules: they are loaded as `meshc build` loads them,
    and go-to-definition on a preset opens the module's source."""
    from conftest import copy_example

    project = copy_example("biometrics", tmp_path)
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=project.as_uri(), name="biometrics")], removed=[]
            )
        )
    )
    doc = Doc(client, project / "mesh.mesh")
    assert await next_diagnostics(client, doc.uri) == []
    needle = "resilience.idempotent_retry"
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.ident(), position=doc.position(needle, delta=len("resilience.")))
    )
    assert result is not None, "no definition for a std preset"
    location = result if isinstance(result, types.Location) else result[0]
    assert location.uri.endswith("std/resilience.mesh"), location.uri
    module = pathlib.Path(location.uri.removeprefix("file://")).read_text(encoding="utf-8")
    line = module.splitlines()[location.range.start.line]
    assert line[location.range.start.character :].startswith("idempotent_retry"), line


async def test_environment_values_and_blocks(client: LanguageClient, project: pathlib.Path):
    """An `env` block names an environment of the mesh header, and its settings name values
    of `defaults`: navigation reaches them, and a rename keeps the program correct."""
    doc = await opened(client, shop(project))
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.ident(), position=doc.position("env staging", delta=4))
    )
    location = result if isinstance(result, types.Location) else result[0]
    assert location.range.start == doc.position("staging, prod")

    # `stable` is declared in defaults, overridden in `env staging` and used as `$stable`.
    at = doc.position("$stable", delta=1)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc.ident(), position=at, new_name="stable_weight")
    )
    edits = edit.changes[doc.uri]
    assert len(edits) >= 3, edits
    renamed = apply_edits(doc.text, edits)
    assert "$stable_weight" in renamed and "stable_weight = 50%" in renamed
    doc.set(renamed)
    assert await next_diagnostics(client, doc.uri, for_version(doc.version)) == []


async def test_files_never_opened_get_their_diagnostics(client: LanguageClient, tmp_path: pathlib.Path):
    """A folder's files are analyzed when the folder is added, opened or not."""
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "a.mesh").write_text("mesh m { namespace m }\nservice a { port http 80 }\n", "utf-8")
    broken = folder / "nested" / "b.mesh"
    broken.parent.mkdir()
    broken.write_text("route r {\n  hosts a\n  any -> a@v9\n}\n", "utf-8")
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=folder.as_uri(), name="second")], removed=[]
            )
        )
    )
    found = await next_diagnostics(client, broken.as_uri())
    assert codes(found) == ["E0102"], found
    assert found[0].range.start == types.Position(line=2, character=11)

    # Removing the folder clears what it published.
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[], removed=[types.WorkspaceFolder(uri=folder.as_uri(), name="second")]
            )
        )
    )
    assert await next_diagnostics(client, broken.as_uri()) == []
