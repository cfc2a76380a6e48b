#!/usr/bin/env node
// schema-server.js -- one JSON Schema validator for a whole test run, on a unix socket.
// Starting node and compiling the schemas once, instead of once per document, is most of its cost.
//
// Usage: node tests/schema-server.js SOCKET_PATH
// Loads every schemas/**/*.schema.json (draft 2020-12, ajv strict, formats), listens on
// SOCKET_PATH and prints "ready" on stdout. Each connection sends one request: the schema's path
// under schemas/ (e.g. "api/status.schema.json"), a newline, then the document; then it shuts
// its write side. The answer is "ok\n", or "invalid\n" followed by ajv's errors as JSON, or
// "error\n" and a message (unknown schema, document not JSON). Exits when stdin closes, so it
// never outlives the test run that started it.
"use strict";

const fs = require("fs");
const net = require("net");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const root = path.join(__dirname, "..", "schemas");
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

const byPath = {}; // "api/status.schema.json" -> $id
(function load(dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory()) {
      load(full);
    } else if (name.endsWith(".schema.json")) {
      const schema = JSON.parse(fs.readFileSync(full, "utf8"));
      ajv.addSchema(schema);
      byPath[path.relative(root, full)] = schema.$id;
    }
  }
})(root);

function answer(request) {
  const nl = request.indexOf("\n");
  const name = nl < 0 ? request : request.slice(0, nl);
  const id = byPath[name];
  if (!id) return "error\nunknown schema " + name + "\n";
  let doc;
  try {
    doc = JSON.parse(request.slice(nl + 1));
  } catch (e) {
    return "error\nnot JSON: " + e.message + "\n";
  }
  const validate = ajv.getSchema(id);
  if (validate(doc)) return "ok\n";
  return "invalid\n" + JSON.stringify(validate.errors, null, 1) + "\n";
}

const sock = process.argv[2];
if (!sock) {
  process.stderr.write("usage: schema-server.js SOCKET_PATH\n");
  process.exit(2);
}
try {
  fs.unlinkSync(sock);
} catch (e) {
  /* not there yet */
}
// compile everything now: a broken schema fails the run at once, not in the middle of it
for (const id of Object.values(byPath)) ajv.getSchema(id);
const server = net.createServer((conn) => {
  const chunks = [];
  conn.on("data", (c) => chunks.push(c));
  conn.on("end", () => conn.end(answer(Buffer.concat(chunks).toString("utf8"))));
  conn.on("error", () => {});
});
server.listen(sock, () => process.stdout.write("ready\n"));
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
