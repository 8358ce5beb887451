import { readFileSync } from "node:fs";
import { convertSources } from "./src/convert/index.js";
import { formatDiagnostics } from "./src/diagnostics/index.js";
const src = { file: "t1.yaml", text: readFileSync(process.argv[2], "utf8") };
const r = convertSources([src]);
process.stdout.write(r.files[0].text);
console.log("-----");
console.log(formatDiagnostics(r.diagnostics, [src]));
