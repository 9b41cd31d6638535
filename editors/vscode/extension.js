// The VS Code client of `meshc lsp`: it only starts the server and restarts it when the
// `meshc.path` setting changes. Everything else (diagnostics, navigation, completion, quick
// fixes, formatting, semantic highlighting) comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration("meshc").get("path") || "meshc";
  return { command, args: ["lsp"] };
}

async function start(context) {
  client = new LanguageClient("meshc", "meshc", serverOptions(), {
    documentSelector: [
      { scheme: "file", language: "mesh" },
      { scheme: "untitled", language: "mesh" },
    ],
    outputChannelName: "meshc",
  });
  try {
    await client.start();
  } catch (error) {
    const command = serverOptions().command;
    vscode.window.showErrorMessage(
      `meshc: could not start \`${command} lsp\` (${error.message}). Set "meshc.path" to the meshc executable.`,
    );
  }
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("meshc.path")) {
        if (client) {
          await client.stop().catch(() => {});
        }
        await start(context);
      }
    }),
  );
  await start(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
