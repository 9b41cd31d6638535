// The thin client, run against stand-ins for the `vscode` API and the language-client
// library: it starts `<meshc.path> lsp` for .mesh documents and restarts on a new path.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const Module = require("node:module");

const started = [];
let settings = { path: "/opt/meshc/bin/meshc" };
let onConfiguration;

const vscode = {
  workspace: {
    getConfiguration: (section) => ({ get: (key) => (section === "meshc" ? settings[key] : undefined) }),
    onDidChangeConfiguration: (listener) => {
      onConfiguration = listener;
      return { dispose() {} };
    },
  },
  window: { showErrorMessage: (message) => started.push({ error: message }) },
};

class LanguageClient {
  constructor(id, name, server, options) {
    this.server = server;
    this.options = options;
    this.running = false;
  }
  async start() {
    if (this.server.command === "missing") throw new Error("spawn missing ENOENT");
    this.running = true;
    started.push(this);
  }
  async stop() {
    this.running = false;
  }
}

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return { LanguageClient };
  return load.call(this, request, ...rest);
};
const extension = require("../extension.js");

test("starts `meshc lsp` from the meshc.path setting, and restarts when it changes", async () => {
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.deepStrictEqual(started[0].server, { command: "/opt/meshc/bin/meshc", args: ["lsp"] });
  assert.deepStrictEqual(
    started[0].options.documentSelector.map((s) => s.language),
    ["mesh", "mesh"],
  );

  settings = { path: "missing" };
  await onConfiguration({ affectsConfiguration: (key) => key === "meshc.path" });
  assert.strictEqual(started[0].running, false, "the old server was stopped");
  assert.match(started[1].error, /could not start `missing lsp`.*meshc\.path/);

  settings = {};
  await onConfiguration({ affectsConfiguration: (key) => key === "meshc.path" });
  assert.deepStrictEqual(started[2].server, { command: "meshc", args: ["lsp"] });
  await extension.deactivate();
  assert.strictEqual(started[2].running, false);
});
