/**
 * zod schemas for the `projectcalico.org/v3` kinds policy-compile reads. Objects are strict: an
 * unknown field is an error (with "did you mean"), and real Calico fields that policy-compile
 * cannot enforce are errors that say so. Rule-level consistency (ports need a protocol, ICMP
 * needs an ICMP protocol, one IP version per rule) is checked once the rule's fields are valid.
 */
import { z } from "zod";
import { Codes } from "../../diagnostics/codes.js";
import type { Protocol } from "../types.js";
import { calicoPort, calicoProtocol, cidr, ignored, ipAddress, labelMap, name, notEnforced, order, selector } from "./fields.js";
import { report } from "./issue.js";
import { objectMeta } from "./object-meta.js";
import { declaredPortName, INTERFACE_NAME, quoted, reference, ruleAnnotations, workloadInterfaceName } from "./references.js";

const action = z.unknown().transform((v, ctx) => {
  if (v === "Allow" || v === "Deny" || v === "Log" || v === "Pass") return v;
  const near = typeof v === "string" ? ["Allow", "Deny", "Log", "Pass"].find((a) => a.toLowerCase() === v.toLowerCase()) : undefined;
  report(ctx, Codes.unknownAction, `unknown action ${JSON.stringify(v)}: expected Allow, Deny, Log or Pass${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`, { input: v });
  return z.NEVER;
});

const icmpFields = z
  .strictObject({
    type: z.number().int().min(0).max(254).optional(),
    code: z.number().int().min(0).max(255).optional(),
  })
  .superRefine((icmp, ctx) => {
    if (icmp.code !== undefined && icmp.type === undefined) {
      report(ctx, Codes.invalidValue, "ICMP code given without an ICMP type: expected `type` as well", { path: ["code"], part: "key" });
    }
  });

const serviceAccountMatch = z.strictObject({
  names: z.array(name("subdomain")).optional(),
  selector: selector("entity").optional(),
});

export const entityRule = z.strictObject({
  nets: z.array(cidr()).optional(),
  notNets: z.array(cidr({ negated: true })).optional(),
  selector: selector("entity").optional(),
  notSelector: selector("entity").optional(),
  namespaceSelector: selector("namespaceSelector").optional(),
  serviceAccounts: serviceAccountMatch.optional(),
  ports: z.array(calicoPort).optional(),
  notPorts: z.array(calicoPort).optional(),
  services: notEnforced("EntityRule `services` (matching Kubernetes Services)").optional(),
});
export type EntityRuleInput = z.infer<typeof entityRule>;

function supportsPorts(p: Protocol | undefined): boolean {
  return p === "tcp" || p === "udp" || p === "sctp" || p === "udplite" || p === 6 || p === 17 || p === 132 || p === 136;
}

/**
 * Whether a ports or notPorts list may stand with the rule's protocol. Since Calico v3.32.0 a rule
 * without protocol may list named ports only: each then matches under the protocol its endpoint
 * declares (calico-332.md §5.8). Numeric ports need a protocol that has ports.
 */
export function portsFitProtocol(protocol: Protocol | undefined, ports: readonly { readonly kind: string }[]): boolean {
  return ports.length === 0 || supportsPorts(protocol) || (protocol === undefined && ports.every((p) => p.kind === "named"));
}

export const rule = z
  .strictObject({
    action,
    ipVersion: z.union([z.literal(4), z.literal(6)]).optional(),
    protocol: calicoProtocol.optional(),
    notProtocol: calicoProtocol.optional(),
    icmp: icmpFields.optional(),
    notICMP: icmpFields.optional(),
    source: entityRule.optional(),
    destination: entityRule.optional(),
    http: notEnforced("rule `http` (application-layer matching)").optional(),
    metadata: z.strictObject({ annotations: ruleAnnotations.optional() }).optional(),
  })
  .superRefine((r, ctx) => {
    {
      for (const side of ["source", "destination"] as const) {
        for (const field of ["ports", "notPorts"] as const) {
          if (!portsFitProtocol(r.protocol, r[side]?.[field] ?? [])) {
            report(ctx, Codes.portsNeedProtocol, `${side}.${field} needs protocol TCP, UDP, SCTP or UDPLite, found ${r.protocol === undefined ? "no protocol" : `protocol ${JSON.stringify(r.protocol)}`}`, { path: [side, field], part: "key" });
          }
        }
      }
    }
    for (const field of ["icmp", "notICMP"] as const) {
      if (r[field] !== undefined && r.protocol !== "icmp" && r.protocol !== "icmpv6" && r.protocol !== 1 && r.protocol !== 58) {
        report(ctx, Codes.icmpWithoutIcmpProtocol, `${field} needs protocol ICMP or ICMPv6, found ${r.protocol === undefined ? "no protocol" : `protocol ${JSON.stringify(r.protocol)}`}`, { path: [field], part: "key" });
      }
    }
    const icmpVersion = (p: Protocol | undefined): 4 | 6 | undefined => (p === "icmp" ? 4 : p === "icmpv6" ? 6 : undefined);
    for (const field of ["protocol", "notProtocol"] as const) {
      const want = icmpVersion(r[field]);
      if (want !== undefined && r.ipVersion !== undefined && r.ipVersion !== want) {
        report(ctx, Codes.icmpVersionMismatch, `${field} ${want === 4 ? "ICMP" : "ICMPv6"} needs ipVersion ${want}, found ipVersion ${r.ipVersion}`, { path: ["ipVersion"] });
      }
    }
    // One IP version per rule, and the one ipVersion names.
    let seen: 4 | 6 | undefined = r.ipVersion;
    const seenFrom = r.ipVersion !== undefined ? "ipVersion" : undefined;
    let firstField = seenFrom;
    for (const side of ["source", "destination"] as const) {
      for (const field of ["nets", "notNets"] as const) {
        (r[side]?.[field] ?? []).forEach((c, i) => {
          if (seen === undefined) {
            seen = c.version;
            firstField = `${side}.${field}[${i}]`;
          } else if (c.version !== seen) {
            report(ctx, Codes.ipVersionMix, `rule mixes IPv${seen} and IPv${c.version}: ${side}.${field}[${i}] is IPv${c.version} but ${firstField} is IPv${seen}`, { path: [side, field, i] });
          }
        });
      }
    }
  });
export type RuleInput = z.infer<typeof rule>;

const policyType = z.enum(["Ingress", "Egress"]);

function uniqueTypes(types: readonly string[] | undefined, ctx: z.core.$RefinementCtx<unknown>): void {
  const seen = new Set<string>();
  (types ?? []).forEach((t, i) => {
    if (seen.has(t)) report(ctx, Codes.duplicateType, `type ${JSON.stringify(t)} is listed more than once`, { path: ["types", i] });
    seen.add(t);
  });
}

const policyCommon = {
  tier: reference("tier name", "label").optional(),
  order: order.optional(),
  selector: selector("policy").optional(),
  serviceAccountSelector: selector("policy").optional(),
  types: z.array(policyType).optional(),
  ingress: z.array(rule).optional(),
  egress: z.array(rule).optional(),
  performanceHints: z
    .array(z.literal("AssumeNeededOnEveryNode"))
    .superRefine((hints, ctx) => {
      hints.forEach((h, i) => {
        if (hints.indexOf(h) !== i) report(ctx, Codes.duplicateHint, `performance hint ${JSON.stringify(h)} is listed more than once: the list must be unique`, { path: [i] });
      });
    })
    .optional(),
};

export const networkPolicySpec = z.strictObject(policyCommon).superRefine((s, ctx) => uniqueTypes(s.types, ctx));

const globalPolicyFields = {
  ...policyCommon,
  namespaceSelector: selector("policy").optional(),
  doNotTrack: z.boolean().optional(),
  preDNAT: z.boolean().optional(),
  applyOnForward: z.boolean().optional(),
};

interface GlobalFlags {
  readonly types?: readonly string[];
  readonly egress?: readonly unknown[];
  readonly doNotTrack?: boolean;
  readonly preDNAT?: boolean;
  readonly applyOnForward?: boolean;
}

/** The CEL rules on a GlobalNetworkPolicy's host-endpoint flags (shared with the staged kind). */
function globalFlagRules(s: GlobalFlags, ctx: z.core.$RefinementCtx<unknown>): void {
  uniqueTypes(s.types, ctx);
  if (s.doNotTrack && s.preDNAT) report(ctx, Codes.conflictingFlags, "preDNAT and doNotTrack cannot both be true", { path: ["preDNAT"], part: "key" });
  if (s.preDNAT && (s.egress?.length ?? 0) > 0) report(ctx, Codes.conflictingFlags, "a preDNAT policy cannot have egress rules", { path: ["egress"], part: "key" });
  if (s.preDNAT && s.types?.includes("Egress")) report(ctx, Codes.conflictingFlags, "a preDNAT policy cannot have type Egress", { path: ["types"], part: "key" });
  if (!s.applyOnForward && (s.doNotTrack || s.preDNAT)) {
    report(ctx, Codes.conflictingFlags, "applyOnForward must be true when preDNAT or doNotTrack is true", { path: [s.preDNAT ? "preDNAT" : "doNotTrack"], part: "key" });
  }
}

export const globalNetworkPolicySpec = z.strictObject(globalPolicyFields).superRefine(globalFlagRules);

/** A staged policy's `stagedAction` (calico-332.md §4.1): the CRD default is Set. */
export const stagedAction = z.enum(["Set", "Delete", "Learn", "Ignore"]);

/**
 * stagedAction Delete (calico-332.md §4.1): Calico's validator requires the enforced-equivalent
 * spec to be the zero spec except for `tier` (clientv3 clears the defaulted `types` first, so
 * `types` is dropped too). A zero value ("" or false) passes, as it does in Go; anything else,
 * an empty list included, is refused. One diagnostic per offending field.
 */
function stagedDeleteRule(s: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  if (s.stagedAction !== "Delete") return;
  for (const [key, value] of Object.entries(s)) {
    if (key === "stagedAction" || key === "tier" || key === "types" || value === undefined || value === "" || value === false) continue;
    report(ctx, Codes.stagedDeleteNotEmpty, `Spec fields, except Tier, should all be zero-value if stagedAction is Delete: found spec.${key} (a Delete names the policy to remove, nothing else)`, { path: [key], part: "key" });
  }
}

export const stagedNetworkPolicySpec = z.strictObject({ ...policyCommon, stagedAction: stagedAction.optional() }).superRefine((s, ctx) => {
  uniqueTypes(s.types, ctx);
  stagedDeleteRule(s, ctx);
});

export const stagedGlobalNetworkPolicySpec = z.strictObject({ ...globalPolicyFields, stagedAction: stagedAction.optional() }).superRefine((s, ctx) => {
  globalFlagRules(s, ctx);
  stagedDeleteRule(s, ctx);
});

export const tierSpec = z.strictObject({
  order: order.optional(),
  defaultAction: z.enum(["Deny", "Pass"]).optional(),
});

export const profileSpec = z.strictObject({
  labelsToApply: labelMap.optional(),
  ingress: z.array(rule).optional(),
  egress: z.array(rule).optional(),
});

export const networkSetSpec = z.strictObject({
  nets: z.array(cidr({ allowBareAddress: true })).optional(),
  allowedEgressDomains: notEnforced("`allowedEgressDomains` (DNS policy)").optional(),
});

const endpointPort = z.strictObject({
  name: declaredPortName(),
  protocol: z.enum(["TCP", "UDP", "SCTP"]),
  port: z.number().int().min(0).max(65535),
  hostPort: ignored.optional(),
  hostIP: ignored.optional(),
});

export const workloadEndpointSpec = z.strictObject({
  orchestrator: reference("orchestrator name").optional(),
  workload: reference("workload name").optional(),
  node: reference("node name").optional(),
  containerID: ignored.optional(),
  pod: reference("pod name").optional(),
  endpoint: reference("endpoint name").optional(),
  serviceAccountName: reference("service account name").optional(),
  ipNetworks: z.array(cidr({ allowBareAddress: true })).optional(),
  ipNATs: notEnforced("`ipNATs` (1:1 NAT)").optional(),
  ipv4Gateway: ignored.optional(),
  ipv6Gateway: ignored.optional(),
  profiles: z.array(reference("profile name", "subdomain", { allowEmpty: false })).optional(),
  interfaceName: workloadInterfaceName.optional(),
  mac: ignored.optional(),
  ports: z.array(endpointPort).optional(),
  allowSpoofedSourcePrefixes: notEnforced("`allowSpoofedSourcePrefixes`").optional(),
  qosControls: notEnforced("`qosControls`").optional(),
  awsElasticIPs: ignored.optional(),
});

export const hostEndpointSpec = z
  .strictObject({
    node: reference("node name").optional(),
    interfaceName: z.string().optional(),
    expectedIPs: z.array(ipAddress).optional(),
    profiles: z.array(reference("profile name", "subdomain", { allowEmpty: false })).optional(),
    ports: z.array(endpointPort).optional(),
  })
  .superRefine((s, ctx) => {
    // An iptables `--in-interface` with `+` would be a wildcard; anything else the kernel refuses.
    if (s.interfaceName !== undefined && s.interfaceName !== "" && s.interfaceName !== "*" && !INTERFACE_NAME.test(s.interfaceName)) {
      report(ctx, Codes.invalidInterfaceName, `interfaceName ${quoted(s.interfaceName)} is not an interface name (1-15 of a-z A-Z 0-9 _ . -) or "*"`, { path: ["interfaceName"], part: "value" });
    }
  });

/** Calico metadata: name and namespace are read; labels are validated; the rest of ObjectMeta is accepted and not read. */
export function calicoMetadata(format: Parameters<typeof name>[0], namespaced: boolean) {
  return objectMeta(name(format), labelMap, namespaced, name("label"));
}

