"""Fixtures for driving the real `meshc lsp` over stdio with pytest-lsp.

The server binary is $MESHC, or target/debug/meshc of this checkout; a missing binary fails
every test loudly (build it with `cargo build -p meshc`). Each test gets its own copy of an
example project, so edits never touch the repository.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = pathlib.Path(__file__).resolve().parents[3]
MESHC = pathlib.Path(os.environ.get("MESHC", REPO / "target" / "debug" / "meshc"))
TIMEOUT = 20.0


def make_client() -> LanguageClient:
    """pytest-lsp's test client, which also queues every publishDiagnostics so a test can
    wait for the next one of a file without missing any."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    record = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        record(client, params)
        client.published.put_nowait(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish

    def register_capability(client: LanguageClient, params: types.RegistrationParams):
        client.registrations.extend(params.registrations)

    # VS Code accepts dynamic registrations (the server registers its file watcher).
    features[types.CLIENT_REGISTER_CAPABILITY] = register_capability
    register_lsp_features(client, features)
    client.published = asyncio.Queue()
    client.registrations = []
    return client


def server_command() -> list[str]:
    if not MESHC.is_file():
        pytest.fail(f"{MESHC} does not exist: run `cargo build -p meshc` (or set MESHC)")
    return [str(MESHC), "lsp"]


def copy_example(name: str, into: pathlib.Path) -> pathlib.Path:
    target = into / name
    shutil.copytree(REPO / "examples" / name, target)
    return target


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of examples/canary."""
    return copy_example("canary", tmp_path)


async def start(client: LanguageClient, folder: pathlib.Path | None) -> None:
    params = types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)] if folder else None,
    )
    client.initialize_result = await asyncio.wait_for(client.initialize_session(params), TIMEOUT)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command(), client_factory=make_client))
async def client(lsp_client: LanguageClient, project: pathlib.Path):
    await start(lsp_client, project)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)
