/**
 * `policy-compile datastore apply|get|delete` in-process against a real etcd 3.4 with TLS and
 * client certificates, configured by a calicoctl.cfg: what lands under which key (etcdctl reads
 * it back), one transaction per apply, nothing written when one document is wrong, Kubernetes
 * NetworkPolicy stored as kube-controllers stores it, and get's YAML applied back unchanged.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { loadSources } from "../../src/model/load.js";
import { prerequisitesMet } from "../ci.js";
import { makeTestPki, opensslProblems, type TestPki } from "../agent/etcd-certs.js";
import { startEtcdCluster, type EtcdCluster } from "../agent/etcd-cluster.js";
import { etcdProblems, freePort } from "../agent/etcd-server.js";

const problems = [...(await etcdProblems()), ...(await opensslProblems())];
const runnable = prerequisitesMet("policy-compile datastore (real etcd, TLS)", problems);

const ROOT = "/calico/resources/v3/projectcalico.org";
const ALLOW_80 = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-80
  namespace: default
spec:
  selector: app == "my-nginx"
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports:
      - 80
`;
const K8S_WEB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {run: client}}
      namespaceSelector: {matchLabels: {team: a}}
    - ipBlock: {cidr: 10.1.0.0/16, except: [10.1.2.0/24]}
    ports:
    - {port: 80}
    - {port: 81}
    - {protocol: UDP, port: 53}
  egress:
  - {}
`;
const TIER_AND_GNP = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny-db, namespace: ignored-for-global}
spec:
  tier: security
  selector: role == "db"
  ingress: [{action: Deny}]
`;

describe.skipIf(!runnable)("policy-compile datastore (real etcd, TLS)", () => {
  let pki: TestPki;
  let etcd: EtcdCluster;
  let dir: string;
  let config: string;

  async function cli(argv: readonly string[], env: Record<string, string> = {}) {
    let stdout = "";
    let stderr = "";
    const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env });
    return { code, stdout, stderr };
  }
  const ds = (...args: string[]) => cli(["datastore", ...args, "--config", config]);
  const file = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return name;
  };
  /** key → {value, mod revision} as etcdctl sees them. */
  const stored = async (prefix = ROOT) => {
    const out = JSON.parse(await etcd.ctl(["get", "--prefix", prefix, "-w", "json"])) as { kvs?: { key: string; value: string; mod_revision: number }[] };
    return new Map((out.kvs ?? []).map((kv) => [Buffer.from(kv.key, "base64").toString(), { value: JSON.parse(Buffer.from(kv.value, "base64").toString()) as unknown, mod: kv.mod_revision }]));
  };

  beforeAll(async () => {
    pki = await makeTestPki();
    etcd = await startEtcdCluster(pki, { size: 1 });
    dir = await mkdtemp(join(tmpdir(), "pc-datastore-"));
    config = await file(
      "calicoctl.cfg",
      `apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata:
spec:
  datastoreType: "etcdv3"
  etcdEndpoints: "${etcd.endpoints}"
  etcdCACertFile: ${pki.crt("ca")}
  etcdCertFile: ${pki.crt("client")}
  etcdKeyFile: ${pki.key("client")}
`,
    );
  }, 60_000);

  afterAll(async () => {
    await etcd?.destroy();
    await pki?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("applies the Calico docs' allow-80 under Calico's key; a second apply changes nothing", async () => {
    await file("allow-80.yaml", ALLOW_80);
    const first = await ds("apply", "-f", "allow-80.yaml");
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toMatch(/^NetworkPolicy default\/allow-80 created\napplied 1 of 1 resource in one transaction at revision \d+ \(1 created, 0 configured, 0 unchanged\)\n$/);
    const kv = (await stored()).get(`${ROOT}/networkpolicies/default/allow-80`);
    expect(kv?.value).toEqual({
      apiVersion: "projectcalico.org/v3",
      kind: "NetworkPolicy",
      metadata: { name: "allow-80", namespace: "default" },
      spec: { selector: 'app == "my-nginx"', ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: [80] } }] },
    });
    const again = await ds("apply", "-f", "allow-80.yaml");
    expect(again.stdout).toBe("NetworkPolicy default/allow-80 unchanged\nnothing to write: the resource is unchanged\n");
    expect((await stored()).get(`${ROOT}/networkpolicies/default/allow-80`)?.mod).toBe(kv?.mod);
  });

  it("stores a Kubernetes NetworkPolicy as kube-controllers does: knp.default.<name>, converted; the agent's loader reads the same policy back", async () => {
    await file("k8s-web.yaml", K8S_WEB);
    const r = await ds("apply", "-f", "k8s-web.yaml");
    expect(r.stdout.split("\n")[0]).toBe("NetworkPolicy prod/knp.default.web created (from Kubernetes NetworkPolicy prod/web)");
    const value = (await stored()).get(`${ROOT}/networkpolicies/prod/knp.default.web`)?.value;
    expect(value).toEqual({
      apiVersion: "projectcalico.org/v3",
      kind: "NetworkPolicy",
      metadata: { name: "knp.default.web", namespace: "prod" },
      spec: {
        tier: "default",
        order: 1000,
        selector: "projectcalico.org/orchestrator == 'k8s' && app == 'web'",
        types: ["Ingress", "Egress"],
        ingress: [
          { action: "Allow", protocol: "TCP", source: { selector: "projectcalico.org/orchestrator == 'k8s' && run == 'client'", namespaceSelector: "team == 'a'" }, destination: { ports: ["80:81"] } },
          { action: "Allow", protocol: "TCP", source: { nets: ["10.1.0.0/16"], notNets: ["10.1.2.0/24"] }, destination: { ports: ["80:81"] } },
          { action: "Allow", protocol: "UDP", source: { selector: "projectcalico.org/orchestrator == 'k8s' && run == 'client'", namespaceSelector: "team == 'a'" }, destination: { ports: [53] } },
          { action: "Allow", protocol: "UDP", source: { nets: ["10.1.0.0/16"], notNets: ["10.1.2.0/24"] }, destination: { ports: [53] } },
        ],
        egress: [{ action: "Allow" }],
      },
    });
    // What the agent compiles from the key equals what compile makes of the Kubernetes original.
    const fromEtcd = loadSources([{ file: "key", text: JSON.stringify(value), format: "json" }]);
    const fromK8s = loadSources([{ file: "k8s-web.yaml", text: K8S_WEB }]);
    expect(fromEtcd.diagnostics).toEqual([]);
    const strip = (p: object) => JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === "origin" || k === "selectorSpan" ? undefined : v))) as Record<string, unknown>;
    const [a, b] = [strip(fromEtcd.model.policies[0] as object), strip(fromK8s.model.policies[0] as object)];
    for (const field of ["selector", "types", "ingress", "egress", "order", "tier", "namespace"]) expect([field, a[field]]).toEqual([field, b[field]]);
  });

  it("writes several resources in ONE transaction (one revision), the namespace of a global kind dropped", async () => {
    await file("security.yaml", TIER_AND_GNP);
    const r = await ds("apply", "-f", "security.yaml", "-f", "allow-80.yaml");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 3).sort()).toEqual(["GlobalNetworkPolicy security.deny-db created", "NetworkPolicy default/allow-80 unchanged", "Tier security created"]);
    const kvs = await stored();
    const tier = kvs.get(`${ROOT}/tiers/security`);
    const gnp = kvs.get(`${ROOT}/globalnetworkpolicies/security.deny-db`);
    expect(tier?.mod).toBe(gnp?.mod);
    expect((gnp?.value as { metadata: unknown }).metadata).toEqual({ name: "security.deny-db" });
  });

  it("writes nothing when one document is invalid: every diagnostic, file:line:col, exit 1", async () => {
    await file("new-ok.yaml", ALLOW_80.replace("allow-80", "allow-81"));
    await file("broken.yaml", ALLOW_80.replace("allow-80", "broken").replace('app == "my-nginx"', "app == "));
    const before = await stored();
    const r = await ds("apply", "-f", "new-ok.yaml", "-f", "broken.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("broken.yaml:7:19: error PC1002: invalid selector: expected a quoted string, found end of selector");
    expect(r.stdout).toBe("");
    expect(await stored()).toEqual(before);
  });

  it("refuses what Calico's etcd datastore does not hold, located, and writes nothing", async () => {
    await file("pods.yaml", `${ALLOW_80.replace("allow-80", "allow-82")}---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec: {nodeName: n1}\nstatus: {podIP: 10.0.0.1}\n`);
    const before = await stored();
    const r = await ds("apply", "-f", "pods.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pods.yaml:16:7: error PC7032: Pod (v1) is not written to Calico's etcd datastore: Calico's etcd datastore holds a pod as the WorkloadEndpoint its CNI plugin creates; write WorkloadEndpoints");
    expect(await stored()).toEqual(before);
  });

  it("refuses two documents for one key (a Calico policy named like the converted Kubernetes one)", async () => {
    await file("clash.yaml", `${K8S_WEB}---\n${ALLOW_80.replace("name: allow-80", "name: knp.default.web").replace("namespace: default", "namespace: prod")}`);
    const r = await ds("apply", "-f", "clash.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("clash.yaml:22:1: error PC7033: NetworkPolicy prod/knp.default.web would be written to /calico/resources/v3/projectcalico.org/networkpolicies/prod/knp.default.web, which Kubernetes NetworkPolicy prod/web is written to as well");
  });

  it("get: a table, YAML and JSON; the YAML applies back unchanged and validates", async () => {
    const table = await ds("get", "networkpolicies", "-A");
    expect(table.stdout).toBe("NAMESPACE   NAME\ndefault     allow-80\nprod        knp.default.web\n");
    expect((await ds("get", "gnp")).stdout).toBe("NAME\nsecurity.deny-db\n");
    const one = await ds("get", "np", "allow-80", "-o", "yaml");
    expect(one.stdout).toBe(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-80
  namespace: default
spec:
  selector: app == "my-nginx"
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports:
          - 80
`);
    const json = JSON.parse((await ds("get", "NetworkPolicy", "-n", "prod", "-o", "json")).stdout) as { kind: string; items: { metadata: { name: string } }[] };
    expect([json.kind, json.items.map((i) => i.metadata.name)]).toEqual(["NetworkPolicyList", ["knp.default.web"]]);
    const all = await ds("get", "np", "-A", "-o", "yaml");
    await file("exported.yaml", all.stdout);
    expect((await cli(["validate", "-f", "exported.yaml"])).stdout).toBe("valid: 1 file, 0 errors, 0 warnings\n");
    expect((await ds("apply", "-f", "exported.yaml")).stdout).toBe(
      "NetworkPolicy default/allow-80 unchanged\nNetworkPolicy prod/knp.default.web unchanged\nnothing to write: all 2 resources are unchanged\n",
    );
    const missing = await ds("get", "np", "nope");
    expect([missing.code, missing.stderr]).toEqual([1, "policy-compile datastore get: NetworkPolicy default/nope not found (/calico/resources/v3/projectcalico.org/networkpolicies/default/nope)\n"]);
  });

  it("delete: by KIND NAME and by -f, in one transaction; nothing deleted when one is missing", async () => {
    const refused = await ds("delete", "-f", "allow-80.yaml", "-f", "new-ok.yaml");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not found in etcd, so nothing was deleted: NetworkPolicy default/allow-81");
    expect((await stored()).has(`${ROOT}/networkpolicies/default/allow-80`)).toBe(true);
    expect((await ds("delete", "-f", "allow-80.yaml", "-f", "new-ok.yaml", "--ignore-not-found")).stdout).toBe("NetworkPolicy default/allow-80 deleted\nNetworkPolicy default/allow-81 not found\n");
    expect((await ds("delete", "tier", "security")).stdout).toBe("Tier security deleted\n");
    expect((await ds("delete", "-f", "k8s-web.yaml")).stdout).toBe("NetworkPolicy prod/knp.default.web deleted\n");
    expect([...(await stored()).keys()]).toEqual([`${ROOT}/globalnetworkpolicies/security.deny-db`]);
  });

  it("more resources than etcd takes in one transaction (--max-txn-ops, 128): refused by etcd, nothing written, exit 3", async () => {
    const sets = Array.from({ length: 130 }, (_, i) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: set-${i}}\nspec: {nets: [10.9.${i}.0/24]}\n`).join("---\n");
    await file("many.yaml", sets);
    const before = await stored();
    const r = await ds("apply", "-f", "many.yaml");
    expect(r).toMatchObject({
      code: 3,
      stdout: "",
      stderr: "policy-compile datastore apply: etcd: etcd refused the transaction: more operations than its --max-txn-ops (128 by default); apply fewer resources at once\n",
    });
    expect(await stored()).toEqual(before);
  });

  it("configuration: flags beat the environment, which beats the file; failures exit 3 with the endpoint and reason", async () => {
    const dead = `https://127.0.0.1:${await freePort()}`;
    // The file's endpoints work; ETCD_ENDPOINTS points at a dead port and wins over the file.
    const envWins = await cli(["datastore", "get", "gnp", "--config", config], { ETCD_ENDPOINTS: dead });
    expect(envWins).toMatchObject({ code: 3, stderr: `policy-compile datastore get: etcd: no etcd endpoint answered: ${dead}: connection refused (etcd is not running or not listening there)\n` });
    // --etcd wins over both.
    const flagWins = await cli(["datastore", "get", "gnp", "--config", config, "--etcd", etcd.endpoints], { ETCD_ENDPOINTS: dead });
    expect(flagWins).toMatchObject({ code: 0, stdout: "NAME\nsecurity.deny-db\n" });
    const noEtcd = await cli(["datastore", "get", "gnp"]);
    expect(noEtcd).toMatchObject({ code: 2, stderr: "policy-compile datastore get: no etcd datastore given: pass --config FILE or --etcd URLS (or set ETCD_ENDPOINTS)\n" });
    // --etcd means etcd, whatever DATASTORE_TYPE says; without it, kubernetes is refused.
    const tlsFlags = ["--etcd-ca-file", pki.crt("ca"), "--etcd-cert-file", pki.crt("client"), "--etcd-key-file", pki.key("client")];
    const kdd = await cli(["datastore", "get", "gnp", "--etcd", etcd.endpoints, ...tlsFlags], { DATASTORE_TYPE: "kubernetes" });
    expect(kdd).toMatchObject({ code: 0, stdout: "NAME\nsecurity.deny-db\n" });
    const kddOnly = await cli(["datastore", "get", "gnp"], { DATASTORE_TYPE: "kubernetes" });
    expect(kddOnly.code).toBe(2);
    expect(kddOnly.stderr).toContain('policy-compile datastore get: DATASTORE_TYPE: datastore type "kubernetes" is not supported');
  });
});
