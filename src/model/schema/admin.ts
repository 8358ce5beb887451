/**
 * zod schemas for the sig-network admin policy kinds (policy.networking.k8s.io/v1alpha1):
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy, with the API server's own validation
 * (priority 0..1000, at most 100 rules per direction, 100 peers and ports per rule, the BANP
 * singleton name, exactly one field per subject, peer and port, at most 25 `networks`). Strict:
 * an unknown field is an error, and so are the fields of the pre-v0.1.5 API (`sameLabels`,
 * `notSameLabels`, `namespaces.namespaceSelector`), which the API no longer has, with what to
 * write instead. Calico v3.32 enforces none of this (PC4020, model/build.ts): the resources are
 * validated so that `policy-compile convert` rewrites only valid ones as ClusterNetworkPolicy.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import { cidr, labelMap, name } from "./fields.js";
import { declaredPortName } from "./references.js";
import { report } from "./issue.js";
import { objectMeta } from "./object-meta.js";
import { labelSelector } from "./k8s.js";

const MAX_ITEMS = 100;

function limited<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).superRefine((list, ctx) => {
    if (list.length > MAX_ITEMS) report(ctx, Codes.adminTooManyRules, `${list.length} ${what}: the API allows at most ${MAX_ITEMS}`);
  });
}

/** Reports unless exactly one of `fields` is set. */
function exactlyOne(what: string, fields: readonly string[]) {
  return (v: Record<string, unknown>, ctx: Parameters<Parameters<z.ZodType["superRefine"]>[0]>[1]): void => {
    const set = fields.filter((f) => v[f] !== undefined);
    if (set.length === 1) return;
    const found = set.length === 0 ? "none" : set.join(" and ");
    report(ctx, Codes.adminOneOf, `${what} must set exactly one of ${fields.join(", ")}, found ${found}`, set.length > 1 ? { path: [set[1] as string], part: "key" } : {});
  };
}

const namespacedPod = z.strictObject({ namespaceSelector: labelSelector, podSelector: labelSelector });

const subject = z
  .strictObject({ namespaces: labelSelector.optional(), pods: namespacedPod.optional() })
  .superRefine(exactlyOne("subject", ["namespaces", "pods"]));

const protocol = z.enum(["TCP", "UDP", "SCTP"]);
const portNumberValue = z.number().int().min(1).max(65535);

const port = z
  .strictObject({
    portNumber: z.strictObject({ protocol: protocol.optional(), port: portNumberValue }).optional(),
    namedPort: declaredPortName().optional(),
    portRange: z
      .strictObject({ protocol: protocol.optional(), start: portNumberValue, end: portNumberValue })
      .superRefine((r, ctx) => {
        if (r.start > r.end) report(ctx, Codes.adminPortRange, `portRange start ${r.start} is above end ${r.end}: expected start <= end`, { path: ["end"] });
      })
      .optional(),
  })
  .superRefine(exactlyOne("port", ["portNumber", "namedPort", "portRange"]));
export type AdminPortInput = z.infer<typeof port>;

const MAX_NETWORKS = 25;

/**
 * A peer's `namespaces` selector. Before network-policy-api v0.1.5 it was an object with
 * `namespaceSelector`, `sameLabels` and `notSameLabels`; manifests written for it still circulate,
 * so those keys get a message of their own (and no second "unknown field" error).
 */
const REMOVED_NAMESPACE_FIELDS: Readonly<Record<string, string>> = {
  namespaceSelector: "is the pre-v0.1.5 shape: `namespaces` is now the label selector itself (namespaces: {matchLabels: ...})",
  sameLabels: "was removed from the v1alpha1 API in network-policy-api v0.1.5: select the namespaces with a label selector",
  notSameLabels: "was removed from the v1alpha1 API in network-policy-api v0.1.5: select the namespaces with a label selector",
};
const peerNamespaces = z.preprocess((v, ctx) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  // Own keys only (a key `toString` is not a removed field), and the copy is built with
  // fromEntries so an own `__proto__` key stays a key (and is reported as unknown) instead of
  // setting the copy's prototype.
  const kept: [string, unknown][] = [];
  for (const [k, value] of Object.entries(v)) {
    const why = Object.hasOwn(REMOVED_NAMESPACE_FIELDS, k) ? REMOVED_NAMESPACE_FIELDS[k] : undefined;
    if (why === undefined) kept.push([k, value]);
    else report(ctx, Codes.adminRemovedField, `peer \`namespaces.${k}\` ${why}`, { path: [k], part: "key" });
  }
  return Object.fromEntries(kept);
}, labelSelector);

const ingressPeer = z
  .strictObject({ namespaces: peerNamespaces.optional(), pods: namespacedPod.optional() })
  .superRefine(exactlyOne("ingress peer", ["namespaces", "pods"]));

/**
 * A `domainNames` entry as the API's CRD pattern admits it: a DNS name, optionally with a leading
 * `*.` wildcard label (the CRD's `A-z` typo, which also admits `[\]^_` and a backtick, is kept so
 * that what the API server accepts loads here too).
 */
const DOMAIN_NAME = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;
const domainName = z.string().superRefine((d, ctx) => {
  if (!DOMAIN_NAME.test(d)) report(ctx, Codes.invalidValue, `domain name ${JSON.stringify(d)} is not a DNS name (optionally starting with "*."): expected e.g. "*.example.com"`);
});

const egressPeer = z
  .strictObject({
    namespaces: peerNamespaces.optional(),
    pods: namespacedPod.optional(),
    // Valid API fields. Calico never enforced them for ANPs (its ANP conversion knew namespaces,
    // pods and networks only), and no ANP is enforced since v3.32 (PC4020); `convert` carries
    // them over to ClusterNetworkPolicy, where Calico fails closed on them.
    nodes: labelSelector.optional(),
    domainNames: z
      .array(domainName)
      .min(1)
      .superRefine((list, ctx) => {
        if (list.length > MAX_NETWORKS) report(ctx, Codes.adminTooManyRules, `${list.length} domain names: the API allows at most ${MAX_NETWORKS}`);
      })
      .optional(),
    networks: z
      .array(cidr())
      .min(1)
      .superRefine((list, ctx) => {
        if (list.length > MAX_NETWORKS) report(ctx, Codes.adminTooManyRules, `${list.length} networks: the API allows at most ${MAX_NETWORKS}`);
      })
      .optional(),
  })
  .superRefine(exactlyOne("egress peer", ["namespaces", "pods", "nodes", "networks", "domainNames"]));
export type AdminIngressPeerInput = z.infer<typeof ingressPeer>;
export type AdminEgressPeerInput = z.infer<typeof egressPeer>;

function specSchema<A extends z.ZodType>(action: A, withPriority: boolean) {
  const ruleName = z.string().max(100).optional();
  const ports = limited(port, "ports").min(1).optional();
  const ingressRule = z.strictObject({ name: ruleName, action, from: limited(ingressPeer, "peers").min(1), ports });
  const egressRule = z.strictObject({ name: ruleName, action, to: limited(egressPeer, "peers").min(1), ports });
  return z.strictObject({
    ...(withPriority
      ? {
          priority: z
            .number()
            .int()
            .superRefine((n, ctx) => {
              if (n < 0 || n > 1000) report(ctx, Codes.adminPriority, `priority ${n} is out of range: expected 0 to 1000`);
            }),
        }
      : {}),
    subject,
    ingress: limited(ingressRule, "ingress rules").optional(),
    egress: limited(egressRule, "egress rules").optional(),
  });
}

export const adminNetworkPolicySpec = specSchema(z.enum(["Allow", "Deny", "Pass"]), true);
export const baselineAdminNetworkPolicySpec = specSchema(z.enum(["Allow", "Deny"]), false);
export type AdminSpecInput = z.infer<typeof adminNetworkPolicySpec>;
export type BaselineSpecInput = z.infer<typeof baselineAdminNetworkPolicySpec>;

export const baselineMetadata = objectMeta(
  name("subdomain").superRefine((n, ctx) => {
    if (n !== "default") report(ctx, Codes.baselineName, `BaselineAdminNetworkPolicy is a singleton named "default", found ${JSON.stringify(n)}`);
  }),
  labelMap,
  false,
  z.string(),
);
