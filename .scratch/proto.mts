import { loadSources } from "../src/model/load.ts";
const ns = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n`;
const cases: Record<string, string> = {
  podLabelProto: `${ns}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\n  labels:\n    __proto__: x\nspec:\n  nodeName: node-1\nstatus:\n  podIP: 10.0.0.1\n`,
  podLabelProtoFlow: `${ns}apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default, labels: {__proto__: x}}\nspec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.1}\n`,
  podLabelCtor: `${ns}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\n  labels:\n    constructor: x\n    toString: y\n    hasOwnProperty: z\nspec:\n  nodeName: node-1\nstatus:\n  podIP: 10.0.0.1\n`,
  calicoAnnot: `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\n  annotations:\n    __proto__: x\nspec:\n  selector: all()\n`,
  matchLabels: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: k\n  namespace: default\nspec:\n  podSelector:\n    matchLabels:\n      __proto__: x\n`,
  profile: `apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata:\n  name: pr\nspec:\n  labelsToApply:\n    __proto__: x\n`,
  metaProto: `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\n  __proto__: {x: 1}\nspec:\n  selector: all()\n`,
  specProto: `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\nspec:\n  selector: all()\n  __proto__: 1\n`,
};
for (const [name, text] of Object.entries(cases)) {
  for (const file of ["t.yaml"]) {
    const r = loadSources([{ file, text }]);
    console.log(name, file, r.diagnostics.map((d) => `${d.code} ${d.span?.start} ${d.message}`), JSON.stringify(r.model?.endpoints?.map((e: any) => e.labels) ?? r.model?.profiles?.map((p: any)=>p.labelsToApply)));
  }
}
const json = (o: string) => o;
const jcases: Record<string,string> = {
  jsonPodLabels: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"__proto__":"x"}},"spec":{"nodeName":"n"},"status":{"podIP":"10.0.0.1"}}`,
  jsonMeta: `{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a","__proto__":{"x":1}},"spec":{"selector":"all()"}}`,
  jsonList: `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"__proto__":"x"}},"spec":{"nodeName":"n"},"status":{"podIP":"10.0.0.1"}}]}`,
};
for (const [name, text] of Object.entries(jcases)) {
    const r = loadSources([{ file: "t.json", text }]);
    console.log(name, r.diagnostics.map((d) => `${d.code} ${d.span?.start} ${d.message}`));
}
