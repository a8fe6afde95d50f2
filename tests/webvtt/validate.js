// Strict WebVTT check for the tests: prints {"file": [errors...]} as JSON, exits 1 if any file has one.
// webvtt-parser follows the current W3C specification (it is the live validator's parser).
"use strict";
const fs = require("fs");
const path = require("path");
const { WebVTTParser } = require("webvtt-parser");

const entities = JSON.parse(fs.readFileSync(require.resolve("webvtt-parser/html-entities.json"), "utf8"));
const found = {};
let bad = false;
for (const file of process.argv.slice(2)) {
  const tree = new WebVTTParser(entities).parse(fs.readFileSync(file, "utf8"), "metadata");
  found[path.resolve(file)] = tree.errors.map((e) => `line ${e.line}: ${e.message}`);
  bad = bad || tree.errors.length > 0 || tree.cues.length === 0;
  if (tree.cues.length === 0) found[path.resolve(file)].push("no cues");
}
process.stdout.write(JSON.stringify(found) + "\n");
process.exit(bad ? 1 : 0);
