#!/usr/bin/env python3
"""Latency of `meshc lsp` as an editor feels it, on a generated workspace.

    bench/lsp_latency.py [--services N] [--runs R] [--meshc PATH] [--write]

Generates a workspace of N services (default 1000) with bench/gen when it exists (else with
the small generator below), starts a release `meshc lsp` through a real LSP client (pygls,
which pytest-lsp installs), opens one file and measures, R times each (default 40, after 5
warm-up rounds):

- didChange → publishDiagnostics of that version (an edit that changes a timeout);
- hover, definition and completion (after `->`: every service) on that file.

It prints p50/p95 of each, and where the time of one analysis goes, from the server's own
MESHC_LSP_TIMINGS log (inputs, analyze, parse alone, diagnostics, publish). With --write
the figures replace the `## lsp` section of bench/RESULTS.md.

A benchmark, not a test: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = pathlib.Path(__file__).resolve().parents[1]
TIMEOUT = 60.0


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used so far, in milliseconds."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    try:
        return pathlib.Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def check_cpu(meshc: str, folder: pathlib.Path, runs: int = 10) -> float:
    """Mean CPU time of `meshc check FOLDER` (user + system, in ms)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        # Exit status 1 (the workspace has errors) is expected; only the time matters.
        subprocess.run([meshc, "check", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000 / runs


def environment_cost(meshc: str, folder: pathlib.Path, work: pathlib.Path) -> tuple[int, float, float] | None:
    """`meshc check` CPU with every environment, and with only the first: the checker runs
    once per environment, so the difference is what the extra ones cost."""
    header = next(
        (f for f in folder.rglob("*.mesh") if re.search(r"^\s*environments ", f.read_text(), re.MULTILINE)), None
    )
    if header is None:
        return None
    text = header.read_text(encoding="utf-8")
    match = re.search(r"^(\s*environments )([^\n#}]+)", text, re.MULTILINE)
    names = [n.strip() for n in match.group(2).split(",")] if match else []
    if len(names) < 2:
        return None
    single = work / "one-environment"
    shutil.copytree(folder, single)
    reduced = text[: match.start(2)] + names[0] + text[match.end(2) :]
    for name in names[1:]:
        reduced = re.sub(rf"^env {re.escape(name)}\b[^\n]*\}}[ \t]*\n", "", reduced, flags=re.MULTILINE)
    (single / header.relative_to(folder)).write_text(reduced, encoding="utf-8")
    return len(names), check_cpu(meshc, folder), check_cpu(meshc, single)


def generate(services: int, into: pathlib.Path) -> str:
    gen = REPO / "bench" / "gen"
    if gen.exists():
        subprocess.run([str(gen), str(services), str(into)], check=True)
        return "bench/gen"
    # A small stand-in: one header file and files of ten services that call each other.
    into.mkdir(parents=True)
    (into / "mesh.mesh").write_text(
        "mesh bench { namespace bench  environments dev, prod }\n"
        "defaults { stable = 90%  canary = 10% }\n"
        "env dev { stable = 50%  canary = 50% }\nenv prod production { }\n",
        encoding="utf-8",
    )
    for team in range(0, services, 10):
        parts = []
        for i in range(team, min(team + 10, services)):
            callee = (i + 1) % services
            parts.append(
                f"service svc-{i} {{\n  port http {8000 + i % 1000}\n  versions v1, v2\n}}\n\n"
                f"route svc-{i} {{\n  hosts svc-{i}\n"
                f'  prefix "/api" -> svc-{i}@v1:http $stable, svc-{i}@v2:http $canary {{ timeout 10s }}\n'
                f"  any -> svc-{callee}@v1:http {{ timeout 5s }}\n}}\n"
            )
        (into / f"team-{team // 10:04d}.mesh").write_text("\n".join(parts), encoding="utf-8")
    return "the generator in bench/lsp_latency.py"


def position(text: str, needle: str, delta: int = 0) -> types.Position:
    at = text.index(needle) + delta
    before = text[:at]
    line_start = before.rfind("\n") + 1
    return types.Position(line=before.count("\n"), character=len(before[line_start:].encode("utf-16-le")) // 2)


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-latency", "1")
        self.published: asyncio.Queue = asyncio.Queue()
        self.timings: list[str] = []

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait((time.perf_counter(), params))

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            if params.message.startswith("meshc timings:"):
                self.timings.append(params.message)

        @self.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            return None


async def diagnostics_of(client: Client, uri: str, version: int) -> float:
    """Waits for the diagnostics of `version` of `uri`; returns when they arrived."""
    while True:
        arrived, params = await asyncio.wait_for(client.published.get(), TIMEOUT)
        if params.uri == uri and params.version is not None and params.version >= version:
            return arrived


async def measure(
    meshc: str, folder: pathlib.Path, file: pathlib.Path, runs: int, timings: bool
) -> dict[str, list[float]]:
    client = Client()
    env = {key: value for key, value in os.environ.items() if key != "MESHC_LSP_TIMINGS"}
    if timings:
        env["MESHC_LSP_TIMINGS"] = "1"
    await client.start_io(meshc, "lsp", env=env)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)],
        )
    )
    client.initialized(types.InitializedParams())
    text = file.read_text(encoding="utf-8")
    uri = file.as_uri()
    ident = types.TextDocumentIdentifier(uri=uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="mesh", version=1, text=text)
        )
    )
    await diagnostics_of(client, uri, 1)

    samples: dict[str, list[float]] = {"diagnostics": [], "hover": [], "definition": [], "completion": []}
    pid = client._server.pid  # the server process, for its CPU time
    cpu_before = 0.0
    version = 1
    edit_at = text.index("timeout 10s")
    for i in range(runs + 5):
        version += 1
        value = "11s" if version % 2 == 0 else "10s"
        edited = text[:edit_at] + "timeout " + value + text[edit_at + len("timeout 10s") :]
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
            )
        )
        arrived = await diagnostics_of(client, uri, version)
        if i >= 5:
            samples["diagnostics"].append((arrived - sent) * 1000)
        if i == 4:
            cpu_before = cpu_ms(pid)
        text = edited
    samples["_cpu_per_edit"] = [(cpu_ms(pid) - cpu_before) / runs]
    # The buffer is now as analyzed: navigation requests do not wait for an analysis.
    reference = re.search(r"-> (svc-\d+)@v1", text)
    assert reference, "no destination to navigate from"
    at = position(text, reference.group(0), 3)
    after_arrow = position(text, reference.group(0), 3)
    requests = {
        "hover": lambda: client.text_document_hover_async(types.HoverParams(text_document=ident, position=at)),
        "definition": lambda: client.text_document_definition_async(
            types.DefinitionParams(text_document=ident, position=at)
        ),
        "completion": lambda: client.text_document_completion_async(
            types.CompletionParams(text_document=ident, position=after_arrow)
        ),
    }
    for name, request in requests.items():
        for i in range(runs + 5):
            sent = time.perf_counter()
            result = await asyncio.wait_for(request(), TIMEOUT)
            took = (time.perf_counter() - sent) * 1000
            assert result, f"{name} returned nothing"
            if i >= 5:
                samples[name].append(took)
    client.completion_count = len(result if isinstance(result, list) else result.items)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    samples["_timings"] = client.timings[-runs:]
    samples["_completion_items"] = [client.completion_count]
    return samples


class Raw:
    """A bare JSON-RPC client over stdio: what a request costs without a client library's
    conversions (pygls turns every completion item into an object)."""

    def __init__(self, meshc: str, folder: pathlib.Path) -> None:
        self.process = subprocess.Popen([meshc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.request("initialize", {"capabilities": {}, "workspaceFolders": [{"uri": folder.as_uri(), "name": "w"}]})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        length = 0
        while (line := self.process.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if "method" in message and "id" in message:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif message.get("id") == self.next_id:
                return message

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=TIMEOUT)


def raw_completion(meshc: str, folder: pathlib.Path, file: pathlib.Path, runs: int) -> list[float]:
    text = file.read_text(encoding="utf-8")
    raw = Raw(meshc, folder)
    document = {"uri": file.as_uri(), "languageId": "mesh", "version": 1, "text": text}
    raw.notify("textDocument/didOpen", {"textDocument": document})
    reference = re.search(r"-> (svc-\d+)@v1", text)
    at = position(text, reference.group(0), 3)
    params = {"textDocument": {"uri": file.as_uri()}, "position": {"line": at.line, "character": at.character}}
    samples = []
    for i in range(runs + 5):
        sent = time.perf_counter()
        answer = raw.request("textDocument/completion", params)
        assert answer.get("result"), answer
        if i >= 5:
            samples.append((time.perf_counter() - sent) * 1000)
    raw.close()
    return samples


def breakdown(lines: list[str]) -> dict[str, float]:
    fields: dict[str, list[float]] = {}
    for line in lines:
        for name, value in re.findall(r"(inputs|analyze|parse|diagnostics|publish) ([\d.]+) ms", line):
            fields.setdefault(name, []).append(float(value))
    return {name: statistics.median(values) for name, values in fields.items()}


def table(samples: dict) -> list[str]:
    rows = [
        ("didChange → publishDiagnostics", "diagnostics", 30),
        ("hover", "hover", 10),
        ("definition", "definition", 10),
        (f"completion after `->` ({samples['_completion_items'][0]} items)", "completion", 10),
        ("… the same through a bare JSON-RPC client", "completion_raw", 10),
    ]
    out = ["| operation | p50 | p95 | target (p95) |", "|---|---|---|---|"]
    for label, key, target in rows:
        if key not in samples:
            continue
        p50, p95 = percentile(samples[key], 50), percentile(samples[key], 95)
        verdict = "met" if p95 <= target else "missed"
        out.append(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | ≤ {target} ms: {verdict} |")
    return out


def report(services: int, files: int, generator: str, runs: int, samples: dict, smaller: tuple | None) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    parts = breakdown(samples["_timings"])
    out = [
        "## lsp",
        "",
        f"`bench/lsp_latency.py --services {services} --runs {runs}`: a release `meshc lsp` driven over stdio by a",
        f"real client (pygls) on a workspace of {services} services in {files} files (from {generator}), one",
        "file open; each figure is the time from sending the message to receiving the answer, over",
        f"{runs} runs after 5 warm-up rounds. {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({cpu}),",
        f"load average {samples['_load'][0]} when the run started (the machine is shared: wall-clock figures",
        "rise with the load). The server's own CPU time per edit, analysis included, was",
        f"{samples['_cpu_per_edit'][0]:.0f} ms: that figure does not depend on the load.",
        "",
        *table(samples),
    ]
    if smaller:
        small_services, small_samples = smaller
        out += [
            "",
            f"The same on {small_services} services (CPU per edit {small_samples['_cpu_per_edit'][0]:.0f} ms):",
            "",
            *table(small_samples),
        ]
    if parts:
        total = parts.get("inputs", 0) + parts.get("analyze", 0) + parts.get("diagnostics", 0) + parts.get("publish", 0)
        out += [
            "",
            f"Where one analysis of the {services}-service workspace goes (wall-clock medians of a second run, from the server's",
            "MESHC_LSP_TIMINGS log; the shares matter more than the milliseconds on a loaded machine):",
            "",
            "| step | time | share |",
            "|---|---|---|",
            f"| gather the sources (disk files + buffers) | {parts.get('inputs', 0):.1f} ms | {100 * parts.get('inputs', 0) / total:.0f}% |",
            f"| `analyze()` | {parts.get('analyze', 0):.1f} ms | {100 * parts.get('analyze', 0) / total:.0f}% |",
            f"| … of which parsing (measured alone) | {parts.get('parse', 0):.1f} ms | {100 * parts.get('parse', 0) / total:.0f}% |",
            f"| convert and diff diagnostics | {parts.get('diagnostics', 0):.1f} ms | {100 * parts.get('diagnostics', 0) / total:.0f}% |",
            f"| send publishDiagnostics | {parts.get('publish', 0):.1f} ms | {100 * parts.get('publish', 0) / total:.0f}% |",
        ]
    if parts and percentile(samples["diagnostics"], 95) > 30:
        own = parts.get("inputs", 0) + parts.get("diagnostics", 0) + parts.get("publish", 0)
        out += [
            "",
            f"The diagnostics target is missed at {services} services because `analyze()` itself takes",
            f"{100 * parts.get('analyze', 0) / (parts.get('analyze', 0) + own):.0f}% of an edit's time (the server's own part is {own:.1f} ms): every edit",
            "re-analyzes the whole workspace, parsing every file and checking every environment again.",
        ]
    environments = samples.get("_environments")
    if environments:
        count, all_cpu, one_cpu = environments
        per = (all_cpu - one_cpu) / (count - 1)
        out += [
            "",
            f"`meshc check` of the same workspace costs {all_cpu:.0f} ms of CPU with its {count} environments and",
            f"{one_cpu:.0f} ms with only the first: the checker, which runs once per environment, costs about",
            f"{per:.0f} ms per environment (loading the files, rendering the diagnostics and exiting are in both).",
        ]
    return "\n".join(out) + "\n"


def write_section(section: str) -> None:
    results = REPO / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## lsp\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--smaller", type=int, default=100, help="also measure this many services (0: do not)")
    parser.add_argument("--meshc", help="the meshc binary (default: cargo build --release -p meshc)")
    parser.add_argument("--write", action="store_true", help="replace the `## lsp` section of bench/RESULTS.md")
    args = parser.parse_args()
    meshc = args.meshc
    if meshc is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "meshc"], cwd=REPO, check=True)
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        meshc = str(target / "release" / "meshc")
    work = pathlib.Path(tempfile.mkdtemp(prefix="meshc-lsp-bench-"))
    try:
        folder = work / "workspace"
        generator = generate(args.services, folder)
        files = sorted(folder.rglob("*.mesh"))
        candidates = [f for f in files if "timeout 10s" in f.read_text(encoding="utf-8")]
        if not candidates:
            print("no file with `timeout 10s` to edit", file=sys.stderr)
            return 2
        file = candidates[len(candidates) // 2]
        load = load_average()
        # Once plainly (the figures), once with the server's timings log (the breakdown: it
        # parses a second time after each analysis, which would inflate the CPU figure).
        samples = asyncio.run(measure(meshc, folder, file, args.runs, timings=False))
        samples["_timings"] = asyncio.run(measure(meshc, folder, file, args.runs, timings=True))["_timings"]
        samples["_load"] = [load]
        samples["completion_raw"] = raw_completion(meshc, folder, file, args.runs)
        samples["_environments"] = environment_cost(meshc, folder, work)
        smaller = None
        if args.smaller:
            small_folder = work / "smaller"
            generate(args.smaller, small_folder)
            small_files = [f for f in sorted(small_folder.rglob("*.mesh")) if "timeout 10s" in f.read_text("utf-8")]
            if small_files:
                small = small_files[len(small_files) // 2]
                small_samples = asyncio.run(measure(meshc, small_folder, small, args.runs, timings=False))
                small_samples["completion_raw"] = raw_completion(meshc, small_folder, small, args.runs)
                smaller = (args.smaller, small_samples)
        section = report(args.services, len(files), generator, args.runs, samples, smaller)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(section)
    if args.write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
