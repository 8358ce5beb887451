/**
 * `npm run grammar`: regenerates grammar/selector-diagram.html, the railroad diagram of the
 * selector grammar, from the chevrotain parser. test/selector/grammar.test.ts fails when the
 * committed file differs from what this would write.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { selectorDiagramHtml } from "../src/selector/diagram.js";

const target = join(dirname(fileURLToPath(import.meta.url)), "selector-diagram.html");
writeFileSync(target, selectorDiagramHtml());
console.log(`wrote ${target}`);
