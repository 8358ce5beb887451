/**
 * Shorthands for the admin-policy kernel cases: the pods and peers of the hogwarts cluster, and
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy objects in the current v1alpha1 shape
 * (`namespaces` is a label selector; ports are portNumber / portRange / namedPort).
 */
import type { Peer } from "../harness/reachability.js";
import type { LabelSelector } from "../harness/resources.js";
import { STAFF } from "./hogwarts-family.js";

export const ADMIN_API = "policy.networking.k8s.io/v1alpha1";

/** Pod keys ("namespace/name"). */
export const HARRY0 = "gryffindor/harry-potter-0";
export const HARRY1 = "gryffindor/harry-potter-1";
export const DRACO0 = "slytherin/draco-malfoy-0";
export const DRACO1 = "slytherin/draco-malfoy-1";
export const CEDRIC0 = "hufflepuff/cedric-diggory-0";
export const CEDRIC1 = "hufflepuff/cedric-diggory-1";
export const LUNA0 = "ravenclaw/luna-lovegood-0";
export const LUNA1 = "ravenclaw/luna-lovegood-1";
export const DUMBLEDORE = `${STAFF}/professor-dumbledore-0`;
export const QUIRRELL = `${STAFF}/professor-quirrell-0`;

/** Reachability peers. */
export const G: Peer = { namespace: "gryffindor" };
export const S: Peer = { namespace: "slytherin" };
export const HUF: Peer = { namespace: "hufflepuff" };
export const R: Peer = { namespace: "ravenclaw" };
export const DUM: Peer = { namespace: STAFF, pod: "professor-dumbledore-0" };
export const QUI: Peer = { namespace: STAFF, pod: "professor-quirrell-0" };

const NS_NAME = "kubernetes.io/metadata.name";
export const nsNamed = (name: string): LabelSelector => ({ matchLabels: { [NS_NAME]: name } });
export const house = (name: string): LabelSelector => ({ matchLabels: { "conformance-house": name } });
export const podNamed = (name: string): LabelSelector => ({ matchLabels: { "statefulset.kubernetes.io/pod-name": name } });

/** Peers as the API writes them. */
export const namespacesPeer = (sel: LabelSelector): object => ({ namespaces: sel });
export const podsPeer = (namespaceSelector: LabelSelector, podSelector: LabelSelector): object => ({ pods: { namespaceSelector, podSelector } });
export const networksPeer = (...cidrs: string[]): object => ({ networks: cidrs });

/** Ports. */
export const portNumber = (protocol: "TCP" | "UDP" | "SCTP", port: number): object => ({ portNumber: { protocol, port } });
export const portRange = (start: number, end: number, protocol?: "TCP" | "UDP" | "SCTP"): object => ({
  portRange: { ...(protocol !== undefined ? { protocol } : {}), start, end },
});
export const namedPort = (name: string): object => ({ namedPort: name });

export type AdminAction = "Allow" | "Deny" | "Pass";

export interface AdminRule {
  readonly name: string;
  readonly action: AdminAction;
  readonly peers: readonly object[];
  readonly ports?: readonly object[];
}

const ingressRule = (r: AdminRule): object => ({ name: r.name, action: r.action, from: r.peers, ...(r.ports ? { ports: r.ports } : {}) });
const egressRule = (r: AdminRule): object => ({ name: r.name, action: r.action, to: r.peers, ...(r.ports ? { ports: r.ports } : {}) });

export interface AdminParts {
  readonly subject: object;
  readonly ingress?: readonly AdminRule[];
  readonly egress?: readonly AdminRule[];
}

function spec(parts: AdminParts): object {
  return {
    subject: parts.subject,
    ...(parts.ingress ? { ingress: parts.ingress.map(ingressRule) } : {}),
    ...(parts.egress ? { egress: parts.egress.map(egressRule) } : {}),
  };
}

export function anp(name: string, priority: number, parts: AdminParts): object {
  return { apiVersion: ADMIN_API, kind: "AdminNetworkPolicy", metadata: { name }, spec: { priority, ...spec(parts) } };
}

export function banp(parts: AdminParts): object {
  return { apiVersion: ADMIN_API, kind: "BaselineAdminNetworkPolicy", metadata: { name: "default" }, spec: spec(parts) };
}

/** Subjects. */
export const namespacesSubject = (sel: LabelSelector): object => ({ namespaces: sel });
export const podsSubject = (namespaceSelector: LabelSelector, podSelector: LabelSelector): object => ({ pods: { namespaceSelector, podSelector } });

/** The list with the rules at indexes i and j exchanged (upstream's "swap rules at index i and j"). */
export function swap<T>(list: readonly T[], i: number, j: number): T[] {
  const out = [...list];
  [out[i], out[j]] = [out[j] as T, out[i] as T];
  return out;
}

/** The list with `rule` inserted at index 0 (upstream's "add a rule at index0"). */
export const prepend = <T>(rule: T, list: readonly T[]): T[] => [rule, ...list];

/** The list with rule i's action replaced (upstream's "change rule i from deny to pass"). */
export function withAction(list: readonly AdminRule[], i: number, action: AdminAction): AdminRule[] {
  return list.map((r, k) => (k === i ? { ...r, action } : r));
}
