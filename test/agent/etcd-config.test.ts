/**
 * Calico's etcd configuration: calicoctl.cfg (located diagnostics), Calico's environment
 * variables, flags, per-setting precedence flags > environment > file, and what is refused.
 */
import { describe, expect, it } from "vitest";
import {
  etcdConnection,
  etcdSettingsFromEnv,
  mergeEtcdSettings,
  selectsEtcd,
} from "../../src/agent/sources/etcd-config.js";
import { parseCalicoctlConfig } from "../../src/agent/sources/etcd-config-file.js";
import { formatDiagnostics } from "../../src/diagnostics/index.js";

const cfg = (spec: string) => `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata:\nspec:\n${spec}`;

function parse(text: string, file = "calicoctl.cfg") {
  const source = { file, text };
  const r = parseCalicoctlConfig(source);
  return { ...r, text: formatDiagnostics(r.diagnostics, [source]) };
}

describe("calicoctl.cfg", () => {
  it("reads the etcdv3 fields, each remembering its file:line:col", () => {
    const r = parse(
      cfg(`  datastoreType: "etcdv3"
  etcdEndpoints: "https://10.0.0.1:2379,https://10.0.0.2:2379"
  etcdKeyFile: /etc/calico/key.pem
  etcdCertFile: /etc/calico/cert.pem
  etcdCACertFile: /etc/calico/ca.pem
  etcdUsername: calico
  etcdPassword: s3cret
`),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.settings).toEqual({
      datastoreType: { value: "etcdv3", from: "calicoctl.cfg:5:18 spec.datastoreType" },
      endpoints: { value: "https://10.0.0.1:2379,https://10.0.0.2:2379", from: "calicoctl.cfg:6:18 spec.etcdEndpoints" },
      keyFile: { value: "/etc/calico/key.pem", from: "calicoctl.cfg:7:16 spec.etcdKeyFile" },
      certFile: { value: "/etc/calico/cert.pem", from: "calicoctl.cfg:8:17 spec.etcdCertFile" },
      caFile: { value: "/etc/calico/ca.pem", from: "calicoctl.cfg:9:19 spec.etcdCACertFile" },
      username: { value: "calico", from: "calicoctl.cfg:10:17 spec.etcdUsername" },
      password: { value: "s3cret", from: "calicoctl.cfg:11:17 spec.etcdPassword" },
    });
  });

  it("reads JSON too (calicoctl accepts both)", () => {
    const r = parse('{"apiVersion":"projectcalico.org/v3","kind":"CalicoAPIConfig","spec":{"datastoreType":"etcdv3","etcdEndpoints":"http://127.0.0.1:2379"}}');
    expect(r.diagnostics).toEqual([]);
    expect(r.settings.endpoints?.value).toBe("http://127.0.0.1:2379");
  });

  it.each([
    ["kubernetes is refused, saying what is supported", cfg("  datastoreType: kubernetes\n  kubeconfig: /root/.kube/config\n"), [
      'calicoctl.cfg:5:18: error PC7030: datastore type "kubernetes" is not supported: policy-compile reads Calico\'s etcdv3 datastore only',
      "calicoctl.cfg:6:3: error PC2008: spec.kubeconfig is not supported: it configures the kubernetes datastore, which policy-compile does not read",
    ]],
    ["a misspelt field, with a suggestion", cfg("  datastoreType: etcdv3\n  etcdEndpoint: http://127.0.0.1:2379\n"), ['calicoctl.cfg:6:3: error PC2004: unknown field "spec.etcdEndpoint" in a CalicoAPIConfig (did you mean etcdEndpoints?)']],
    ["endpoints as a YAML list instead of Calico's comma-separated string", cfg("  etcdEndpoints: [https://a:2379]\n"), ["calicoctl.cfg:5:18: error PC2005: spec.etcdEndpoints must be a string of comma-separated URLs"]],
    ["an endpoint of another scheme", cfg('  etcdEndpoints: "unix:///var/run/etcd.sock"\n'), ['calicoctl.cfg:5:18: error PC7031: spec.etcdEndpoints: "unix:///var/run/etcd.sock": an etcd endpoint is http:// or https://, found unix://']],
    ["an endpoint that is not a URL", cfg('  etcdEndpoints: "https://10.0.0.1:2379,10.0.0.2:2379"\n'), ['calicoctl.cfg:5:18: error PC7031: spec.etcdEndpoints: "10.0.0.2:2379" is not a URL (expected https://HOST:PORT)']],
    ["DNS SRV discovery", cfg("  etcdDiscoverySrv: example.com\n"), ["calicoctl.cfg:5:3: error PC2008: spec.etcdDiscoverySrv is not supported: etcd discovery through DNS SRV records is not supported"]],
    ["another kind", "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nspec: {}\n", ["calicoctl.cfg:2:7: error PC2003: expected apiVersion: projectcalico.org/v3 and kind: CalicoAPIConfig, found projectcalico.org/v3 NetworkPolicy"]],
    ["the v1 calicoApiConfig", "apiVersion: v1\nkind: calicoApiConfig\nspec: {}\n", ["calicoctl.cfg:1:13: error PC2003: expected apiVersion: projectcalico.org/v3 and kind: CalicoAPIConfig, found v1 calicoApiConfig"]],
    ["YAML syntax", cfg("  etcdEndpoints: [\n"), ["calicoctl.cfg:6:1: error PC1001: YAML syntax error"]],
    ["a YAML 1.1 scalar", cfg("  etcdUsername: yes\n"), ["calicoctl.cfg:5:17: error PC1004"]],
    ["not a mapping", "- a\n", ["calicoctl.cfg:1:1: error PC2001: a calicoctl.cfg is a mapping"]],
  ])("%s", (_name, text, expected) => {
    const r = parse(text);
    const lines = r.text.split("\n").filter((l) => /^calicoctl\.cfg:\d+:\d+: /.test(l));
    expect(lines.length).toBe(expected.length);
    expected.forEach((e, i) => expect(lines[i]).toContain(e));
    expect(r.diagnostics.every((d) => d.severity === "error")).toBe(true);
  });

  it("prints the source line and a caret under the value", () => {
    expect(parse(cfg("  datastoreType: kubernetes\n")).text).toContain("    datastoreType: kubernetes\n                   ^^^^^^^^^^\n");
  });
});

describe("precedence: flags > environment > file, per setting", () => {
  const file = parse(cfg('  etcdEndpoints: "https://file:2379"\n  etcdCACertFile: /file/ca.pem\n  etcdCertFile: /file/cert.pem\n  etcdKeyFile: /file/key.pem\n')).settings;
  const env = etcdSettingsFromEnv({ ETCD_ENDPOINTS: "https://env:2379", ETCD_CERT_FILE: "/env/cert.pem", ETCD_KEY_FILE: "", PATH: "/usr/bin" });
  const flags = { endpoints: { value: "https://flag:2379", from: "--etcd" } };

  it.each([
    ["file only", [file], { endpoints: "https://file:2379", caFile: "/file/ca.pem", certFile: "/file/cert.pem", keyFile: "/file/key.pem" }],
    ["environment over file (an empty variable is unset)", [env, file], { endpoints: "https://env:2379", caFile: "/file/ca.pem", certFile: "/env/cert.pem", keyFile: "/file/key.pem" }],
    ["flags over both", [flags, env, file], { endpoints: "https://flag:2379", caFile: "/file/ca.pem", certFile: "/env/cert.pem", keyFile: "/file/key.pem" }],
  ])("%s", (_name, layers, want) => {
    const merged = mergeEtcdSettings(...layers);
    expect(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, v.value]))).toEqual(want);
  });

  it("remembers where each setting came from", () => {
    const merged = mergeEtcdSettings(flags, env, file);
    expect([merged.endpoints?.from, merged.certFile?.from, merged.caFile?.from]).toEqual(["--etcd", "ETCD_CERT_FILE", "calicoctl.cfg:6:19 spec.etcdCACertFile"]);
  });

  it("reads every Calico variable", () => {
    const all = etcdSettingsFromEnv({
      DATASTORE_TYPE: "etcdv3",
      ETCD_ENDPOINTS: "https://a:2379",
      ETCD_CA_CERT_FILE: "ca",
      ETCD_CERT_FILE: "c",
      ETCD_KEY_FILE: "k",
      ETCD_USERNAME: "u",
      ETCD_PASSWORD: "p",
    });
    expect(Object.keys(all).sort()).toEqual(["caFile", "certFile", "datastoreType", "endpoints", "keyFile", "password", "username"]);
    expect(selectsEtcd(all)).toBe(true);
    expect(selectsEtcd(etcdSettingsFromEnv({ HOME: "/root" }))).toBe(false);
  });
});

describe("etcdConnection", () => {
  const s = (value: string, from: string) => ({ value, from });

  it("TLS endpoints with CA, certificate, key and credentials", () => {
    const r = etcdConnection({
      endpoints: s("https://10.0.0.1:2379, https://10.0.0.2:2379/", "ETCD_ENDPOINTS"),
      caFile: s("ca.pem", "--etcd-ca-file"),
      certFile: s("c.pem", "ETCD_CERT_FILE"),
      keyFile: s("k.pem", "ETCD_KEY_FILE"),
      username: s("calico", "ETCD_USERNAME"),
      password: s("pw", "ETCD_PASSWORD"),
    });
    expect(r.problems).toEqual([]);
    expect(r.connection).toEqual({
      endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"],
      endpointsFrom: "ETCD_ENDPOINTS",
      tls: { ca: { kind: "file", path: "ca.pem", from: "--etcd-ca-file" }, cert: { kind: "file", path: "c.pem", from: "ETCD_CERT_FILE" }, key: { kind: "file", path: "k.pem", from: "ETCD_KEY_FILE" } },
      auth: { username: "calico", password: "pw", from: "ETCD_USERNAME" },
    });
  });

  it("guesses no endpoint: etcdv3 selected without endpoints is refused", () => {
    expect(etcdConnection({ datastoreType: s("etcdv3", "DATASTORE_TYPE") })).toEqual({
      connection: null,
      problems: ["no etcd endpoints given (DATASTORE_TYPE selects etcdv3): set --etcd, ETCD_ENDPOINTS or etcdEndpoints (https://10.0.0.1:2379,https://10.0.0.2:2379)"],
    });
    expect(etcdConnection({}).problems).toEqual(["no etcd endpoints given: set --etcd, ETCD_ENDPOINTS or etcdEndpoints (https://10.0.0.1:2379,https://10.0.0.2:2379)"]);
  });

  it.each([
    ["DATASTORE_TYPE=kubernetes", { datastoreType: s("kubernetes", "DATASTORE_TYPE") }, 'DATASTORE_TYPE: datastore type "kubernetes" is not supported: policy-compile reads Calico\'s etcdv3 datastore only'],
    ["TLS files with an http:// endpoint (never plaintext when TLS is configured)", { endpoints: s("http://10.0.0.1:2379", "--etcd"), caFile: s("ca.pem", "ETCD_CA_CERT_FILE") }, "ETCD_CA_CERT_FILE: TLS is configured but --etcd has http:// endpoints; policy-compile never talks to etcd in plaintext when TLS is configured: use https://"],
    ["mixed schemes", { endpoints: s("https://a:2379,http://b:2379", "ETCD_ENDPOINTS") }, "ETCD_ENDPOINTS: the endpoints mix http:// and https://"],
    ["a certificate without its key", { endpoints: s("https://a:2379", "--etcd"), certFile: s("c.pem", "--etcd-cert-file") }, "--etcd-cert-file: a client certificate needs its key"],
    ["a key without its certificate", { endpoints: s("https://a:2379", "--etcd"), keyFile: s("k.pem", "ETCD_KEY_FILE") }, "ETCD_KEY_FILE: a client key needs its certificate"],
    ["a password over plaintext", { endpoints: s("http://a:2379", "--etcd"), username: s("u", "ETCD_USERNAME"), password: s("hunter2", "ETCD_PASSWORD") }, "ETCD_PASSWORD: an etcd password would be sent over plaintext http://; use https:// endpoints"],
    ["a username without a password", { endpoints: s("https://a:2379", "--etcd"), username: s("u", "--etcd-username") }, "--etcd-username: an etcd username needs a password"],
    ["credentials in a URL (not echoed)", { endpoints: s("https://root:hunter2@a:2379", "--etcd") }, "--etcd: https://a:2379: credentials inside an endpoint URL are not supported"],
    ["no port", { endpoints: s("https://a", "--etcd") }, '--etcd: "https://a": an etcd endpoint needs its port (https://a:2379)'],
    ["a path", { endpoints: s("https://a:2379/v3", "--etcd") }, "an etcd endpoint is scheme://host:port, without a path or query"],
    ["no endpoint at all", { endpoints: s(" , ", "--etcd") }, "--etcd: no etcd endpoint given"],
  ])("refuses %s", (_name, settings, problem) => {
    const r = etcdConnection(settings);
    expect(r.connection).toBeNull();
    expect(r.problems.join("\n")).toContain(problem);
    expect(r.problems.join("\n")).not.toContain("hunter2");
  });
});
