/**
 * zod schemas for the Kubernetes kinds. NetworkPolicy is policy from end to end, so its spec is
 * strict. Pod, Namespace and ServiceAccount carry mostly things policy does not care about
 * (images, volumes, status conditions): only the fields policy-compile reads are validated, the
 * rest is accepted as is.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import { cidr, ipAddress, labelKeyProblem, labelMap, labelValueProblem, name, portNameProblem } from "./fields.js";
import { describe, report } from "./issue.js";
import { declaredPortName, reference } from "./references.js";
import { formatCidr, strictlyInside } from "../cidr.js";
import { objectMeta } from "./object-meta.js";

const requirement = z
  .strictObject({
    key: z.string(),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string()).optional(),
  })
  .superRefine((r, ctx) => {
    const keyProblem = labelKeyProblem(r.key);
    if (keyProblem) report(ctx, Codes.invalidLabel, keyProblem, { path: ["key"] });
    const n = r.values?.length ?? 0;
    if ((r.operator === "In" || r.operator === "NotIn") && n === 0) {
      report(ctx, Codes.invalidLabelSelector, `operator ${r.operator} needs a non-empty \`values\` list`, { path: ["operator"] });
    }
    if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) {
      report(ctx, Codes.invalidLabelSelector, `operator ${r.operator} takes no values, found ${n}`, { path: ["values"], part: "key" });
    }
    (r.values ?? []).forEach((v, i) => {
      const problem = labelValueProblem(v);
      if (problem) report(ctx, Codes.invalidLabel, problem, { path: ["values", i] });
    });
  });

export const labelSelector = z.strictObject({
  matchLabels: labelMap.optional(),
  matchExpressions: z.array(requirement).optional(),
});
export type LabelSelectorInput = z.infer<typeof labelSelector>;

/** A NetworkPolicyPort's `port`: a number 1..65535 or an IANA service name. */
const k8sPortValue = z.unknown().transform((v, ctx): number | string => {
  if (typeof v === "number") {
    if (Number.isInteger(v) && v >= 1 && v <= 65535) return v;
    report(ctx, Codes.invalidPort, `invalid port ${v}: expected 1 to 65535`, { input: v });
    return z.NEVER;
  }
  if (typeof v === "string") {
    const problem = portNameProblem(v);
    if (!problem) return v;
    const numeric = /^[0-9]+$/.test(v) ? ` (a number must not be quoted: did you mean ${v}?)` : "";
    report(ctx, Codes.invalidPort, `${problem}; expected a port number or a port name${numeric}`, { input: v });
    return z.NEVER;
  }
  report(ctx, Codes.wrongType, `expected a port number or a port name, found ${describe(v)}`, { input: v });
  return z.NEVER;
});

const npPort = z
  .strictObject({
    protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
    port: k8sPortValue.optional(),
    endPort: z.number().int().min(1).max(65535).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.endPort === undefined) return;
    if (typeof p.port !== "number") {
      report(ctx, Codes.invalidEndPort, `endPort needs a numeric port, found ${p.port === undefined ? "no port" : `port ${JSON.stringify(p.port)}`}`, { path: ["endPort"], part: "key" });
    } else if (p.endPort < p.port) {
      report(ctx, Codes.invalidEndPort, `endPort ${p.endPort} is below port ${p.port}: expected endPort >= port`, { path: ["endPort"] });
    }
  });
export type NetworkPolicyPortInput = z.infer<typeof npPort>;

const ipBlock = z.strictObject({
  cidr: cidr(),
  except: z.array(cidr()).optional(),
});

const peer = z
  .strictObject({
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    ipBlock: ipBlock.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.ipBlock && (p.podSelector || p.namespaceSelector)) {
      report(ctx, Codes.invalidPeer, "a peer with ipBlock cannot also have podSelector or namespaceSelector (use separate peers)", { path: ["ipBlock"], part: "key" });
    } else if (!p.ipBlock && !p.podSelector && !p.namespaceSelector) {
      report(ctx, Codes.invalidPeer, "empty peer: expected ipBlock, podSelector or namespaceSelector");
    }
    if (p.ipBlock) {
      const outer = p.ipBlock.cidr;
      (p.ipBlock.except ?? []).forEach((e, i) => {
        if (e.version !== outer.version) {
          report(ctx, Codes.exceptOtherFamily, `except ${formatCidr(e)} is IPv${e.version} but cidr ${formatCidr(outer)} is IPv${outer.version}: an ipBlock is one IP family (put the other family in a peer of its own)`, { path: ["ipBlock", "except", i] });
        } else if (!strictlyInside(e, outer)) report(ctx, Codes.exceptOutsideCidr, `except ${formatCidr(e)} is not strictly inside cidr ${formatCidr(outer)}: expected a smaller network within it`, { path: ["ipBlock", "except", i] });
      });
    }
  });
export type PeerInput = z.infer<typeof peer>;

export const networkPolicySpec = z.strictObject({
  podSelector: labelSelector.optional(),
  policyTypes: z.array(z.enum(["Ingress", "Egress"])).optional(),
  ingress: z.array(z.strictObject({ from: z.array(peer).optional(), ports: z.array(npPort).optional() })).optional(),
  egress: z.array(z.strictObject({ to: z.array(peer).optional(), ports: z.array(npPort).optional() })).optional(),
});
export type K8sNetworkPolicySpecInput = z.infer<typeof networkPolicySpec>;

/**
 * StagedKubernetesNetworkPolicy (projectcalico.org/v3): the networking/v1 spec plus
 * `stagedAction`. With Delete, Calico's validator requires the whole spec but stagedAction to be
 * zero (calico-332.md §4.1): `podSelector` may be absent or `{}` (a struct in Go), nothing else.
 */
export const stagedKubernetesNetworkPolicySpec = z
  .strictObject({ ...networkPolicySpec.shape, stagedAction: z.enum(["Set", "Delete", "Learn", "Ignore"]).optional() })
  .superRefine((s, ctx) => {
    // The CRD's policyTypes is a set of one or two items (calico-332.md §4.1).
    if (s.policyTypes !== undefined && s.policyTypes.length === 0) {
      report(ctx, Codes.invalidValue, "policyTypes is empty: the StagedKubernetesNetworkPolicy CRD needs 1 or 2 of Ingress, Egress (or leave it out)", { path: ["policyTypes"] });
    }
    s.policyTypes?.forEach((t, i) => {
      if (s.policyTypes?.indexOf(t) !== i) report(ctx, Codes.duplicateType, `type ${JSON.stringify(t)} is listed more than once`, { path: ["policyTypes", i] });
    });
    if (s.stagedAction !== "Delete") return;
    for (const [key, value] of Object.entries(s)) {
      if (key === "stagedAction" || value === undefined) continue;
      if (key === "podSelector" && typeof value === "object" && value !== null && Object.keys(value).length === 0) continue;
      report(ctx, Codes.stagedDeleteNotEmpty, `Spec fields should all be zero-value if stagedAction is Delete: found spec.${key} (a Delete names the policy to remove, nothing else)`, { path: [key], part: "key" });
    }
  });
export type StagedK8sNetworkPolicySpecInput = z.infer<typeof stagedKubernetesNetworkPolicySpec>;

export function k8sMetadata(namespaced: boolean, format: "subdomain" | "label") {
  return objectMeta(name(format), labelMap, namespaced, name("label"));
}

const containerPort = z.object({
  name: declaredPortName({ allowEmpty: true }).optional(),
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
});

export const podSpec = z.object({
  nodeName: reference("node name").optional(),
  hostNetwork: z.boolean().optional(),
  serviceAccountName: reference("service account name").optional(),
  serviceAccount: reference("service account name").optional(),
  containers: z.array(z.object({ ports: z.array(containerPort).optional() })).optional(),
});

export const podStatus = z.object({
  phase: z.string().optional(),
  podIP: ipAddress.optional(),
  podIPs: z.array(z.object({ ip: ipAddress })).optional(),
});

