"""Helpers for the end-to-end tests: documents, UTF-16 positions, edits, and waiting for the
diagnostics the server publishes (an event, awaited with a timeout; no sleeps)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable, Sequence

from lsprotocol import types
from pytest_lsp import LanguageClient

TIMEOUT = 20.0


class Doc:
    """An open document whose text the test changes through the server."""

    def __init__(self, client: LanguageClient, path: pathlib.Path, text: str | None = None):
        self.client = client
        self.path = path
        self.uri = path.as_uri()
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=self.uri, language_id="mesh", version=1, text=self.text)
            )
        )

    def replace(self, old: str, new: str, count: int = 1) -> None:
        assert self.text.count(old) >= count, f"{old!r} not in {self.path.name}"
        self.set(self.text.replace(old, new, count))

    def set(self, text: str) -> None:
        self.text = text
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def position(self, needle: str, occurrence: int = 0, delta: int = 0) -> types.Position:
        return position_of(self.text, needle, occurrence, delta)

    def ident(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=self.ident()))


def offset_of(text: str, needle: str, occurrence: int = 0) -> int:
    at = -1
    for _ in range(occurrence + 1):
        at = text.find(needle, at + 1)
        assert at >= 0, f"{needle!r} (occurrence {occurrence}) not found"
    return at


def position_at(text: str, offset: int) -> types.Position:
    """The LSP position of a character offset: line, and column in UTF-16 code units."""
    before = text[:offset]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1 :]
    return types.Position(line=line, character=len(column_text.encode("utf-16-le")) // 2)


def position_of(text: str, needle: str, occurrence: int = 0, delta: int = 0) -> types.Position:
    return position_at(text, offset_of(text, needle, occurrence) + delta)


def offset_at(text: str, position: types.Position) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= position.character:
            return offset + i
        units += len(ch.encode("utf-16-le")) // 2
    return offset + len(line)


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Applies non-overlapping edits (last first, so earlier offsets stay valid)."""
    spans = sorted(
        ((offset_at(text, e.range.start), offset_at(text, e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def next_diagnostics(
    client: LanguageClient,
    uri: str,
    accept: Callable[[types.PublishDiagnosticsParams], bool] = lambda _: True,
    timeout: float = TIMEOUT,
) -> list[types.Diagnostic]:
    """The diagnostics of the next publish for `uri` that `accept`s, skipping others."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"no accepted publishDiagnostics for {uri} within {timeout}s")
        params = await asyncio.wait_for(client.published.get(), remaining)
        if params.uri == uri and accept(params):
            return list(params.diagnostics)


def for_version(version: int) -> Callable[[types.PublishDiagnosticsParams], bool]:
    return lambda p: p.version is None or p.version >= version


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]
