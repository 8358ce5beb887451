/**
 * A calicoctl.cfg (`apiVersion: projectcalico.org/v3`, `kind: CalicoAPIConfig`, YAML or JSON) →
 * etcd settings, each located at its value (`calicoctl.cfg:7:19 spec.etcdCACertFile`), with the
 * model's YAML machinery: `yaml` positions, the YAML 1.1 scalar check (PC1004), file:line:col
 * diagnostics. Real CalicoAPIConfig fields that policy-compile does not read (etcdDiscoverySrv,
 * the kubernetes datastore's) are refused, never ignored; `datastoreType: kubernetes` is PC7030.
 */
import { parseDocument, isMap, type Document } from "yaml";
import { Codes } from "../../diagnostics/codes.js";
import type { Diagnostic, SourceFile } from "../../diagnostics/types.js";
import { lineColumn } from "../../diagnostics/position.js";
import { YamlLocator } from "../../model/locate-yaml.js";
import type { Path } from "../../model/paths.js";
import { closest } from "../../model/suggest.js";
import { versionDisagreements } from "../../model/yaml-11-scan.js";
import { yamlOptions } from "../../model/yaml-scalars.js";
import { endpointProblem, SUPPORTED_DATASTORE, unsupportedDatastoreMessage, type EtcdSettings, type Setting } from "./etcd-config.js";

type Field = keyof EtcdSettings;

/** calicoctl.cfg spec fields → settings. */
const FILE_FIELDS: Readonly<Record<string, Field>> = {
  datastoreType: "datastoreType",
  etcdEndpoints: "endpoints",
  etcdCACertFile: "caFile",
  etcdCertFile: "certFile",
  etcdKeyFile: "keyFile",
  etcdCACert: "caPem",
  etcdCert: "certPem",
  etcdKey: "keyPem",
  etcdUsername: "username",
  etcdPassword: "password",
};

/** Real CalicoAPIConfig fields that policy-compile does not read: refused, never ignored. */
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  etcdDiscoverySrv: "etcd discovery through DNS SRV records is not supported; list the endpoints in etcdEndpoints",
  kubeconfig: "it configures the kubernetes datastore, which policy-compile does not read",
  kubeconfigInline: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sAPIEndpoint: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sKeyFile: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sCertFile: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sCAFile: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sAPIToken: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sInsecureSkipTLSVerify: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sDisableNodePoll: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sClientQPS: "it configures the kubernetes datastore, which policy-compile does not read",
  k8sCurrentContext: "it configures the kubernetes datastore, which policy-compile does not read",
  usePodCIDR: "it configures the kubernetes datastore, which policy-compile does not read",
  calicoAPIGroup: "it configures the kubernetes datastore, which policy-compile does not read",
};

export interface ParsedConfigFile {
  readonly settings: EtcdSettings;
  /** Located; any error means the file must not be used. */
  readonly diagnostics: readonly Diagnostic[];
}

/** A calicoctl.cfg (YAML or JSON) → settings located at their values. */
export function parseCalicoctlConfig(source: SourceFile): ParsedConfigFile {
  const { file, text } = source;
  const diagnostics: Diagnostic[] = [];
  const doc = parseDocument(text, yamlOptions) as Document.Parsed;
  const error = doc.errors[0];
  if (error) {
    diagnostics.push({ code: Codes.yamlSyntax.code, severity: "error", message: `YAML syntax error: ${error.message.split("\n")[0]}`, span: { file, start: error.pos[0], end: Math.max(error.pos[0] + 1, error.pos[1]) } });
    return { settings: {}, diagnostics };
  }
  const scalars = versionDisagreements(doc);
  if (scalars.length > 0) {
    for (const d of scalars) diagnostics.push({ code: Codes.yamlVersionScalar.code, severity: "error", message: d.message, span: { file, start: d.start, end: d.end } });
    return { settings: {}, diagnostics };
  }
  const locator = new YamlLocator(file, text, doc);
  const at = (path: Path, part: "key" | "value" = "value") => locator.resolve([{ path, part }])[0] as Diagnostic["span"] & object;
  const fail = (code: { code: string }, message: string, path: Path, part: "key" | "value" = "value") => diagnostics.push({ code: code.code, severity: "error", message, span: at(path, part) });
  const where = (path: Path): string => {
    const span = at(path);
    const lc = lineColumn(text, span.start);
    return `${file}:${lc.line}:${lc.column}`;
  };

  const value: unknown = doc.toJS();
  if (!isMap(doc.contents) || typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(Codes.notAnObject, "a calicoctl.cfg is a mapping: apiVersion: projectcalico.org/v3, kind: CalicoAPIConfig, spec: {...}", []);
    return { settings: {}, diagnostics };
  }
  const top = value as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!["apiVersion", "kind", "metadata", "spec"].includes(key)) fail(Codes.unknownField, `unknown field ${JSON.stringify(key)} in a CalicoAPIConfig (expected apiVersion, kind, metadata, spec)`, [key], "key");
  }
  if (top.apiVersion === undefined || top.kind === undefined) {
    fail(Codes.missingTypeMeta, "a calicoctl.cfg needs apiVersion: projectcalico.org/v3 and kind: CalicoAPIConfig", []);
  } else if (top.apiVersion !== "projectcalico.org/v3" || top.kind !== "CalicoAPIConfig") {
    const path = top.apiVersion !== "projectcalico.org/v3" ? ["apiVersion"] : ["kind"];
    fail(Codes.unknownKind, `expected apiVersion: projectcalico.org/v3 and kind: CalicoAPIConfig, found ${String(top.apiVersion)} ${String(top.kind)}`, path);
  }
  if (top.metadata !== undefined && top.metadata !== null && (typeof top.metadata !== "object" || Array.isArray(top.metadata))) {
    fail(Codes.wrongType, "metadata must be a mapping", ["metadata"]);
  }
  const spec = top.spec;
  if (spec === undefined || spec === null) {
    if (diagnostics.length === 0) fail(Codes.missingField, "spec is missing: it holds datastoreType: etcdv3 and etcdEndpoints", []);
    return { settings: {}, diagnostics };
  }
  if (typeof spec !== "object" || Array.isArray(spec)) {
    fail(Codes.wrongType, "spec must be a mapping", ["spec"]);
    return { settings: {}, diagnostics };
  }
  const settings: Partial<Record<Field, Setting<string>>> = {};
  for (const [key, v] of Object.entries(spec as Record<string, unknown>)) {
    const path = ["spec", key];
    const field = FILE_FIELDS[key];
    if (field === undefined) {
      const why = UNSUPPORTED_FIELDS[key];
      if (why !== undefined) fail(Codes.notEnforced, `spec.${key} is not supported: ${why}`, path, "key");
      else {
        const hint = closest(key, [...Object.keys(FILE_FIELDS), ...Object.keys(UNSUPPORTED_FIELDS)]);
        fail(Codes.unknownField, `unknown field "spec.${key}" in a CalicoAPIConfig${hint ? ` (did you mean ${hint}?)` : ""}`, path, "key");
      }
      continue;
    }
    // An empty value is unset, as in Calico (the zero value of its string fields).
    if (v === null || v === "") continue;
    if (typeof v !== "string") {
      fail(Codes.wrongType, `spec.${key} must be a string${key === "etcdEndpoints" ? ' of comma-separated URLs ("https://10.0.0.1:2379,https://10.0.0.2:2379")' : ""}, found ${Array.isArray(v) ? "a list" : typeof v}`, path);
      continue;
    }
    if (field === "datastoreType" && v !== SUPPORTED_DATASTORE) {
      fail(Codes.unsupportedDatastore, unsupportedDatastoreMessage(v), path);
      continue;
    }
    if (field === "endpoints") {
      const bad = v.split(",").map((u) => u.trim()).filter((u) => u !== "").map(endpointProblem).filter((p): p is string => p !== null);
      if (bad.length > 0) {
        fail(Codes.invalidEtcdSetting, `spec.etcdEndpoints: ${bad.join("; ")}`, path);
        continue;
      }
    }
    settings[field] = { value: v, from: `${where(path)} spec.${key}` };
  }
  return { settings: settings as EtcdSettings, diagnostics };
}

