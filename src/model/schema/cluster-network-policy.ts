/**
 * zod schema for ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), with the validation
 * its CRD gives the API server (calico-332.md §1.2): tier Admin or Baseline, priority 0..1000,
 * exactly one field in the subject, each peer, each protocol and each destinationPort, at most 25
 * rules per direction, 1 to 25 peers, protocols, networks and domainNames, rule names of at most
 * 100 characters, port numbers 1..65535 and ranges with start < end, networks entries that are
 * CIDRs of at most 43 characters listed once.
 *
 * What the CRD does not check is not checked here either, because the API server admits it and
 * Calico converts it: label-selector content (any operator, In without values, any key or
 * value) and the text of a destinationNamedPort. The conversion (normalize/cluster-network-policy.ts)
 * reproduces what Calico v3.32 makes of those and warns. The experimental-channel egress peers
 * `nodes` and `domainNames` are accepted as the experimental CRD accepts them (with its
 * domainNames pattern and its rule against named ports beside them); Calico fails them closed.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import { parseCidr, type Cidr } from "../cidr.js";
import { hasProtoKey } from "./fields.js";
import { report } from "./issue.js";
import { k8sMetadata } from "./k8s.js";
import { closedObject } from "./object-meta.js";
import { quoted } from "./references.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any refinement context will do
type Ctx = z.core.$RefinementCtx<any>;

export const CNP_MAX_ITEMS = 25;
export const CNP_MAX_RULE_NAME = 100;
export const CNP_MAX_CIDR_LENGTH = 43;

/** A list of 1 (or 0) to 25 items, as the CRD's minItems/maxItems. */
function bounded<T extends z.ZodType>(item: T, what: string, min: 0 | 1) {
  return z.array(item).superRefine((list, ctx) => {
    if (list.length > CNP_MAX_ITEMS) report(ctx, Codes.cnpLimit, `${list.length} ${what}: the ClusterNetworkPolicy CRD allows at most ${CNP_MAX_ITEMS}`);
    if (list.length < min) report(ctx, Codes.cnpLimit, `no ${what}: the ClusterNetworkPolicy CRD needs at least ${min} (leave the field out instead)`);
  });
}

/** Reports unless exactly one of `fields` is set (the CRD's minProperties/maxProperties 1). */
function exactlyOne(what: string, fields: readonly string[]) {
  return (v: Record<string, unknown>, ctx: Ctx): void => {
    const set = fields.filter((f) => v[f] !== undefined);
    if (set.length === 1) return;
    const found = set.length === 0 ? "none" : set.join(" and ");
    report(ctx, Codes.cnpOneOf, `${what} must set exactly one of ${fields.join(", ")}, found ${found}`, set.length > 1 ? { path: [set[1] as string], part: "key" } : {});
  };
}

/**
 * matchLabels as the CRD types it: a map of strings, keys and values unchecked. An own
 * `__proto__` key would be dropped by zod's record without a word, so it is refused here.
 */
const stringMap = z.preprocess((v, ctx) => {
  if (hasProtoKey(v)) report(ctx, Codes.invalidLabel, `invalid label key "__proto__"`, { path: ["__proto__"], part: "key" });
  return v;
}, z.record(z.string(), z.string()));

const requirement = z.strictObject({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
});

/** metav1.LabelSelector as the CRD validates it: shape only. */
export const cnpLabelSelector = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z.array(requirement).optional(),
});
export type CnpLabelSelectorInput = z.infer<typeof cnpLabelSelector>;

const namespacedPod = z.strictObject({ namespaceSelector: cnpLabelSelector.optional(), podSelector: cnpLabelSelector });

const subject = z
  .strictObject({ namespaces: cnpLabelSelector.optional(), pods: namespacedPod.optional() })
  .superRefine(exactlyOne("subject", ["namespaces", "pods"]));

function portNumber(what: string) {
  return z.number().superRefine((n, ctx) => {
    if (!Number.isInteger(n)) report(ctx, Codes.cnpLimit, `${what} ${n} is not an integer: expected a port number 1 to 65535`);
    else if (n < 1 || n > 65535) report(ctx, Codes.cnpLimit, `${what} ${n} is out of range: expected 1 to 65535`);
  });
}

const destinationPort = z
  .strictObject({
    number: portNumber("port").optional(),
    range: z
      .strictObject({ start: portNumber("range start"), end: portNumber("range end") })
      .superRefine((r, ctx) => {
        if (r.start >= r.end) {
          report(ctx, Codes.cnpPortRange, `range start ${r.start} is not less than end ${r.end}: the CRD requires start < end ("Start port must be less than End port"); a single port is written {number: ${r.start}}`, { path: ["end"] });
        }
      })
      .optional(),
  })
  .superRefine(exactlyOne("destinationPort", ["number", "range"]));

const protocolPort = z.strictObject({ destinationPort });

const protocol = z
  .strictObject({
    tcp: protocolPort.optional(),
    udp: protocolPort.optional(),
    sctp: protocolPort.optional(),
    destinationNamedPort: z.string().optional(),
  })
  .superRefine(exactlyOne("protocol", ["tcp", "udp", "sctp", "destinationNamedPort"]));
export type CnpProtocolInput = z.infer<typeof protocol>;

/** `networks`: 1-25 CIDRs (isCIDR), each at most 43 characters, no entry twice (list-type set). */
const networks = z.array(z.string()).transform((list, ctx): Cidr[] => {
  if (list.length === 0) report(ctx, Codes.cnpLimit, "no networks: the ClusterNetworkPolicy CRD needs at least 1 (leave the peer out instead)");
  if (list.length > CNP_MAX_ITEMS) report(ctx, Codes.cnpLimit, `${list.length} networks: the ClusterNetworkPolicy CRD allows at most ${CNP_MAX_ITEMS}`);
  const out: Cidr[] = [];
  const seen = new Map<string, number>();
  list.forEach((text, i) => {
    if (text.length > CNP_MAX_CIDR_LENGTH) {
      report(ctx, Codes.cnpNetworks, `networks entry ${quoted(text)} is ${text.length} characters long: the CRD allows at most ${CNP_MAX_CIDR_LENGTH}`, { path: [i] });
      return;
    }
    const c = parseCidr(text, false);
    if (!c) {
      report(ctx, Codes.cnpNetworks, `networks entry ${quoted(text)} is not a CIDR ("Invalid CIDR format provided"): expected an IPv4 or IPv6 network such as "10.0.0.0/16" or "fd00::/64"`, { path: [i] });
      return;
    }
    const first = seen.get(text);
    if (first !== undefined) {
      report(ctx, Codes.cnpNetworks, `networks entry ${quoted(text)} is listed twice (also entry ${first + 1}): the CRD's list is a set`, { path: [i] });
      return;
    }
    seen.set(text, i);
    out.push(c);
  });
  return out;
});

/** The experimental CRD's domainNames pattern, `A-z` typo included (it admits [\]^_ and backtick). */
const DOMAIN_NAME = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

const domainNames = z.array(z.string()).superRefine((list, ctx) => {
  if (list.length === 0) report(ctx, Codes.cnpLimit, "no domainNames: the ClusterNetworkPolicy CRD needs at least 1");
  if (list.length > CNP_MAX_ITEMS) report(ctx, Codes.cnpLimit, `${list.length} domainNames: the ClusterNetworkPolicy CRD allows at most ${CNP_MAX_ITEMS}`);
  const seen = new Set<string>();
  list.forEach((name, i) => {
    if (!DOMAIN_NAME.test(name)) report(ctx, Codes.cnpDomainName, `domainNames entry ${quoted(name)} is not a domain name: expected e.g. "example.com" or "*.example.com"`, { path: [i] });
    else if (seen.has(name)) report(ctx, Codes.cnpDomainName, `domainNames entry ${quoted(name)} is listed twice: the CRD's list is a set`, { path: [i] });
    seen.add(name);
  });
});

const ingressPeer = z
  .strictObject({ namespaces: cnpLabelSelector.optional(), pods: namespacedPod.optional() })
  .superRefine(exactlyOne("ingress peer", ["namespaces", "pods"]));

const EGRESS_PEER_FIELDS = ["namespaces", "pods", "networks", "nodes", "domainNames"] as const;

const egressPeer = z
  .strictObject({
    namespaces: cnpLabelSelector.optional(),
    pods: namespacedPod.optional(),
    networks: networks.optional(),
    nodes: cnpLabelSelector.optional(),
    domainNames: domainNames.optional(),
  })
  .superRefine(exactlyOne("egress peer", EGRESS_PEER_FIELDS));
export type CnpIngressPeerInput = z.infer<typeof ingressPeer>;
export type CnpEgressPeerInput = z.infer<typeof egressPeer>;

const ruleName = z.string().superRefine((s, ctx) => {
  if (s.length > CNP_MAX_RULE_NAME) report(ctx, Codes.cnpLimit, `rule name ${quoted(s)} is ${s.length} characters long: the CRD allows at most ${CNP_MAX_RULE_NAME}`);
});

const action = z.enum(["Accept", "Deny", "Pass"]);

const ingressRule = z.strictObject({
  name: ruleName.optional(),
  action,
  from: bounded(ingressPeer, "peers", 1),
  protocols: bounded(protocol, "protocols", 1).optional(),
});

const egressRule = z
  .strictObject({
    name: ruleName.optional(),
    action,
    to: bounded(egressPeer, "peers", 1),
    protocols: bounded(protocol, "protocols", 1).optional(),
  })
  .superRefine((r, ctx) => {
    // The experimental CRD's CEL rule. Only that CRD admits nodes and domainNames, so a rule
    // with one of them is held to it; the standard CRD (Calico's) admits networks beside a
    // named port, and so does this schema.
    const named = (r.protocols ?? []).findIndex((p) => p.destinationNamedPort !== undefined);
    if (named < 0) return;
    const i = r.to.findIndex((p) => p.nodes !== undefined || p.domainNames !== undefined);
    if (i < 0) return;
    const field = r.to[i]?.nodes !== undefined ? "nodes" : "domainNames";
    report(ctx, Codes.cnpNamedPortPeer, `a ${field} peer cannot be set with destinationNamedPort (protocols[${named}]): "networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames" (the experimental CRD, the only one with ${field}, refuses it)`, { path: ["to", i, field], part: "key" });
  });
export type CnpIngressRuleInput = z.infer<typeof ingressRule>;
export type CnpEgressRuleInput = z.infer<typeof egressRule>;

const priority = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n)) report(ctx, Codes.cnpLimit, `priority ${n} is not an integer: expected 0 to 1000`);
  else if (n < 0 || n > 1000) report(ctx, Codes.cnpLimit, `priority ${n} is out of range: expected 0 to 1000 (lower values are evaluated first)`);
});

export const clusterNetworkPolicySpec = z.strictObject({
  tier: z.enum(["Admin", "Baseline"]),
  priority,
  subject,
  ingress: bounded(ingressRule, "ingress rules", 0).optional(),
  egress: bounded(egressRule, "egress rules", 0).optional(),
});
export type CnpSpecInput = z.infer<typeof clusterNetworkPolicySpec>;

/** The whole object: closed, `status` (the subresource) accepted and not read. */
export const clusterNetworkPolicy = closedObject({ metadata: k8sMetadata(false, "subdomain"), spec: clusterNetworkPolicySpec }, ["apiVersion", "kind", "status"]);
