/**
 * The host endpoint and policies the IPv4 and IPv6 host endpoint kernel tests share: the node's
 * eth0 as a host endpoint with role=edge; a normal policy allowing tcp/8081; a preDNAT policy
 * denying the NodePort 30080; an untracked (doNotTrack) policy allowing tcp/9000 both ways
 * (pinned to one family with `ipVersion`, when given); the model of such documents, and the
 * node-side server and client scripts.
 */
import { expect } from "vitest";
import { loadSources } from "../../../src/model/load.js";
import type { Model } from "../../../src/model/types.js";
import type { Netns } from "./netns.js";

/** The model of YAML documents, which must load without errors. */
export function modelOf(...docs: string[]): Model {
  const loaded = loadSources(docs.map((text, i) => ({ file: `doc${i}.yaml`, text })));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.model;
}

export const hostEndpoint = (ip: string): string => `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: node-eth0
  labels: {role: edge}
spec:
  node: node-1
  interfaceName: eth0
  expectedIPs: ["${ip}"]
`;

export const ALLOW_8081 = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-8081}
spec:
  selector: role == 'edge'
  order: 10
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [8081]}
`;

export const DENY_NODEPORT = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-nodeport}
spec:
  selector: role == 'edge'
  order: 5
  preDNAT: true
  applyOnForward: true
  ingress:
  - action: Deny
    protocol: TCP
    destination: {ports: [30080]}
`;

export function untracked9000(ipVersion?: 4 | 6): string {
  const pin = ipVersion === undefined ? "" : `\n    ipVersion: ${ipVersion}`;
  return `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: untracked-9000}
spec:
  selector: role == 'edge'
  order: 1
  doNotTrack: true
  applyOnForward: true
  ingress:
  - action: Allow
    protocol: TCP${pin}
    destination: {ports: [9000]}
  egress:
  - action: Allow
    protocol: TCP${pin}
    source: {ports: [9000]}
`;
}

/** A node-side TCP server (run with `node -e`) answering "hi" on `ports`, IPv4 or IPv6 only. */
export function tcpServer(ports: readonly number[], family: 4 | 6 = 4): string {
  const listen = family === 4 ? `listen(p, "0.0.0.0")` : `listen({ port: p, host: "::", ipv6Only: true })`;
  return `const net = require("net");
for (const p of [${ports.join(", ")}]) net.createServer((s) => s.end("hi")).${listen};
setInterval(() => {}, 1000);`;
}

/** A TCP client (run with `node -e <script> <host> <port>`): prints open, timeout or the error code. */
export function tcpClient(timeoutMs = 1500): string {
  return `const s = require("net").connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(${timeoutMs});
s.on("data", () => { console.log("open"); process.exit(0); });
s.on("timeout", () => { console.log("timeout"); process.exit(0); });
s.on("error", (e) => { console.log(e.code); process.exit(0); });`;
}

/** The node's eth0 (`nodeIp`/24, the host endpoint) as a veth to ext's ext0 (`extIp`/24), both up, and the node's lo. */
export async function linkNodeToExt(node: Netns, ext: Netns, nodeIp: string, extIp = "10.99.0.2"): Promise<void> {
  await node.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "ext0"]);
  await node.exec("ip", ["link", "set", "ext0", "netns", ext.name]);
  await node.exec("ip", ["addr", "add", `${nodeIp}/24`, "dev", "eth0"]);
  await node.exec("ip", ["link", "set", "eth0", "up"]);
  await node.exec("ip", ["link", "set", "lo", "up"]);
  await ext.exec("ip", ["addr", "add", `${extIp}/24`, "dev", "ext0"]);
  await ext.exec("ip", ["link", "set", "ext0", "up"]);
}
