import { syntheticSources } from "../../agent/engine/cluster.js";
import { collectFile } from "../../../src/model/collect.js";
import { buildModel } from "../../../src/model/build.js";
const c = syntheticSources(10_000);
const srcs = c.sources.filter((s) => s.kind === "put") as any[];
let t = performance.now();
const all: any[] = [];
for (const s of srcs) { const out: any[] = []; collectFile({ file: s.name, text: s.text, format: "json" }, [], out); all.push(out); }
console.log("collect", performance.now() - t);
t = performance.now();
for (const o of all) buildModel(o, []);
console.log("build alone", performance.now() - t);
