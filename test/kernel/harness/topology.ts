/**
 * A Calico-style routed dataplane in network namespaces:
 *
 *            node-1 ns  ── veth pckl (192.168.250.1/30 ↔ .2/30) ──  node-2 ns
 *           /    |    \                                             /    |    \
 *       caliX  caliY  ...   (one veth per pod; host end named as Calico's CNI names it)
 *         |      |
 *       eth0   eth0          pod ns: <podIP>/32, default via 169.254.1.1 onlink
 *
 * Node side of each pod veth: proxy_arp=1 (the node answers ARP for the fake gateway
 * 169.254.1.1), proxy_delay=0 (answer at once, as Calico sets it), and a /32 route to the pod.
 * The other node routes the pod's /32 over the link. Each node's default route points over the
 * link too: proxy ARP only answers for addresses the node can route out of *another* interface,
 * exactly like a real node whose default route points at its NIC.
 *
 * Dual-stack pods (`ip6` set) also get IPv6, the way Calico routes it: `<ip6>/128` on eth0, a
 * default route via the link-local `fe80::1` that the node side of the veth holds (so the pod's
 * neighbour discovery goes to the node, through `cali-wl-to-host`'s ICMPv6 rules), a /128 route
 * on the node and over the link (fd00:250::1/126 ↔ ::2) on the other node, IPv6 forwarding on the
 * nodes. Duplicate address detection is off (accept_dad=0 before any interface exists, and
 * `nodad` on every address), so addresses are usable at once.
 *
 * Everything is created inside namespaces named `pck-<pid>-<tag>-…`; the host's own interfaces,
 * routes, sysctls, iptables and ipsets are never touched.
 */
import { createHash } from "node:crypto";
import { ipIn, run, sysctlIn } from "./exec.js";
import { startAgent, type PodAgent } from "./agent.js";

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  /** Logical node name as used in Pod.spec.nodeName and compile({ node }). */
  readonly node: string;
  readonly ip: string;
  /** The pod's IPv6 address, for dual-stack pods. */
  readonly ip6?: string;
  /** Host-side interface name. */
  readonly interfaceName: string;
}

export interface TopologySpec {
  /** Short tag that makes namespace names unique per topology, e.g. "e2e-legacy". */
  readonly tag: string;
  /** Exactly two logical node names. */
  readonly nodes: readonly [string, string];
  readonly pods: readonly PodSpec[];
  /** Ports every pod serves on TCP and UDP. */
  readonly ports: readonly number[];
}

export interface NodeHandle {
  readonly name: string;
  readonly netns: string;
  readonly linkIp: string;
  readonly linkIp6: string;
}

export interface PodHandle extends PodSpec {
  readonly key: string;
  readonly netns: string;
  readonly agent: PodAgent;
}

export interface Topology {
  readonly spec: TopologySpec;
  readonly nodes: readonly NodeHandle[];
  readonly pods: readonly PodHandle[];
  pod(key: string): PodHandle;
  node(name: string): NodeHandle;
  /** Next never-used source port for a probe (no conntrack entry can be reused). */
  nextSourcePort(): number;
  destroy(): Promise<void>;
}

/** `cali` + the first 11 hex characters of sha1("<namespace>.<pod>"), as Calico's CNI names it. */
export function calicoInterfaceName(namespace: string, pod: string): string {
  return "cali" + createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11);
}

const LINK_NAME = "pckl";
const LINK_IPS = ["192.168.250.1", "192.168.250.2"] as const;
const LINK_IPS6 = ["fd00:250::1", "fd00:250::2"] as const;
/** The pods' IPv6 gateway: a link-local address on the node side of every pod veth. */
const POD_GATEWAY6 = "fe80::1";
const NO_DAD = { "net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0 };
const FIRST_SOURCE_PORT = 20000;
const LAST_SOURCE_PORT = 60999;

export async function buildTopology(spec: TopologySpec): Promise<Topology> {
  const prefix = `pck-${process.pid}-${spec.tag}`;
  const created: string[] = [];
  const agents: PodAgent[] = [];
  const destroy = async (): Promise<void> => {
    await Promise.all(agents.map((a) => a.stop()));
    for (const ns of created.reverse()) await run(["ip", "netns", "del", ns]).catch(() => undefined);
  };
  try {
    const addNetns = async (name: string): Promise<string> => {
      await run(["ip", "netns", "add", name]);
      created.push(name);
      return name;
    };
    const dualStack = spec.pods.some((p) => p.ip6 !== undefined);
    const nodes: NodeHandle[] = [];
    for (const [i, name] of spec.nodes.entries()) {
      const netns = await addNetns(`${prefix}-n${i + 1}`);
      nodes.push({ name, netns, linkIp: LINK_IPS[i] ?? "", linkIp6: LINK_IPS6[i] ?? "" });
    }
    const [n1, n2] = nodes as [NodeHandle, NodeHandle];
    for (const node of nodes) {
      await ipIn(node.netns, ["link", "set", "lo", "up"]);
      await sysctlIn(node.netns, { "net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.default.rp_filter": 0 });
      if (dualStack) await sysctlIn(node.netns, { ...NO_DAD, "net.ipv6.conf.all.forwarding": 1 });
    }
    await ipIn(n1.netns, ["link", "add", LINK_NAME, "type", "veth", "peer", "name", LINK_NAME, "netns", n2.netns]);
    for (const [node, peer] of [[n1, n2], [n2, n1]] as const) {
      await ipIn(node.netns, ["addr", "add", `${node.linkIp}/30`, "dev", LINK_NAME]);
      if (dualStack) await ipIn(node.netns, ["-6", "addr", "add", `${node.linkIp6}/126`, "dev", LINK_NAME, "nodad"]);
      await ipIn(node.netns, ["link", "set", LINK_NAME, "up"]);
      await ipIn(node.netns, ["route", "add", "default", "via", peer.linkIp, "dev", LINK_NAME]);
      if (dualStack) await ipIn(node.netns, ["-6", "route", "add", "default", "via", peer.linkIp6, "dev", LINK_NAME]);
    }

    const nodeByName = new Map(nodes.map((n) => [n.name, n]));
    const pods: (PodSpec & { readonly key: string; readonly netns: string })[] = [];
    for (const [i, pod] of spec.pods.entries()) {
      const node = nodeByName.get(pod.node);
      if (node === undefined) throw new Error(`pod ${pod.namespace}/${pod.name} is on unknown node ${pod.node}`);
      const other = node === n1 ? n2 : n1;
      const netns = await addNetns(`${prefix}-p${i}`);
      // Before eth0 exists, so it is created without duplicate address detection.
      if (pod.ip6 !== undefined) await sysctlIn(netns, NO_DAD);
      await ipIn(node.netns, ["link", "add", pod.interfaceName, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      await ipIn(node.netns, ["link", "set", pod.interfaceName, "up"]);
      await sysctlIn(node.netns, {
        [`net.ipv4.conf.${pod.interfaceName}.proxy_arp`]: 1,
        [`net.ipv4.neigh.${pod.interfaceName}.proxy_delay`]: 0,
      });
      await ipIn(node.netns, ["route", "add", `${pod.ip}/32`, "dev", pod.interfaceName, "scope", "link"]);
      await ipIn(other.netns, ["route", "add", `${pod.ip}/32`, "via", node.linkIp, "dev", LINK_NAME]);
      await ipIn(netns, ["link", "set", "lo", "up"]);
      await ipIn(netns, ["addr", "add", `${pod.ip}/32`, "dev", "eth0"]);
      await ipIn(netns, ["link", "set", "eth0", "up"]);
      await ipIn(netns, ["route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink"]);
      if (pod.ip6 !== undefined) {
        await ipIn(node.netns, ["-6", "addr", "add", `${POD_GATEWAY6}/64`, "dev", pod.interfaceName, "nodad"]);
        await ipIn(node.netns, ["-6", "route", "add", `${pod.ip6}/128`, "dev", pod.interfaceName]);
        await ipIn(other.netns, ["-6", "route", "add", `${pod.ip6}/128`, "via", node.linkIp6, "dev", LINK_NAME]);
        await ipIn(netns, ["-6", "addr", "add", `${pod.ip6}/128`, "dev", "eth0", "nodad"]);
        await ipIn(netns, ["-6", "route", "add", "default", "via", POD_GATEWAY6, "dev", "eth0"]);
      }
      pods.push({ ...pod, key: `${pod.namespace}/${pod.name}`, netns });
    }
    // Agents start in parallel; each one listens before it reports ready.
    const started: PodHandle[] = await Promise.all(
      pods.map(async (p) => {
        const agent = await startAgent(p.netns, p.key, spec.ports, p.ip6 !== undefined);
        agents.push(agent);
        return { ...p, agent };
      }),
    );

    let sourcePort = FIRST_SOURCE_PORT;
    const podByKey = new Map(started.map((p) => [p.key, p]));
    return {
      spec,
      nodes,
      pods: started,
      pod(key) {
        const p = podByKey.get(key);
        if (p === undefined) throw new Error(`no pod ${key} in topology ${spec.tag}`);
        return p;
      },
      node(name) {
        const n = nodeByName.get(name);
        if (n === undefined) throw new Error(`no node ${name} in topology ${spec.tag}`);
        return n;
      },
      nextSourcePort() {
        if (sourcePort > LAST_SOURCE_PORT) throw new Error(`topology ${spec.tag} ran out of fresh source ports`);
        return sourcePort++;
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
