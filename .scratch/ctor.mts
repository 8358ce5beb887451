import { loadSources } from "../src/model/load.ts";
import { compile } from "../src/render/index.ts";
const pod = (name: string, ip: string, labels: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\n  labels:\n${labels}spec:\n  nodeName: node-1\nstatus:\n  podIP: ${ip}\n---\n`;
const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n` +
  pod("a", "10.0.0.1", "    constructor: x\n") + pod("b", "10.0.0.2", "    other: x\n") + pod("c", "10.0.0.3", "    toString: z\n") +
  `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\nspec:\n  selector: all()\n  ingress:\n  - action: Allow\n    source:\n      selector: constructor == "x"\n  - action: Allow\n    source:\n      selector: has(toString)\n  - action: Allow\n    source:\n      selector: has(hasOwnProperty)\n`;
const r = loadSources([{ file: "t.yaml", text }]);
console.log(r.diagnostics.map((d) => d.code + " " + d.message));
const state: any = compile(r.model, { node: "node-1" });
console.log(JSON.stringify(state.ipv4?.ipsets ?? state.ipsets ?? Object.keys(state), null, 0).slice(0, 2000));
