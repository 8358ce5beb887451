/**
 * AgentEngine.setHostInterfaces: an expectedIPs-only host endpoint follows its address from one
 * interface to another; the desired state is compile() with the same interfaces, and dirty names
 * the host endpoint chains that changed.
 */
import { describe, expect, it } from "vitest";
import { AgentEngine } from "../../../src/agent/engine/index.js";
import { loadSources } from "../../../src/model/load.js";
import { compile } from "../../../src/render/compile.js";
import type { HostInterface } from "../../../src/resolve/index.js";

const HEP = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: uplink, labels: {role: edge}}
spec:
  node: n1
  expectedIPs: [10.0.0.5]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: edge}
spec:
  selector: role == 'edge'
  types: [Ingress]
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [443]}}]
`;

const compiled = (hostInterfaces: readonly HostInterface[]) => compile(loadSources([{ file: "hep.yaml", text: HEP }]).model, { node: "n1", endpointToHostAction: "ACCEPT", hostInterfaces });

describe("AgentEngine host interfaces", () => {
  it("refuses the endpoint until interfaces are known, then follows the address", () => {
    const bare = new AgentEngine({ node: "n1" });
    const refused = bare.update([{ kind: "put", name: "hep.yaml", text: HEP }]);
    expect(refused.rejected).toEqual(["hep.yaml"]);
    expect(refused.diagnostics.map((d) => d.code)).toEqual(["PC3040"]);

    const engine = new AgentEngine({ node: "n1", compile: { node: "n1", hostInterfaces: [{ name: "eth0", addresses: ["10.0.0.9"] }] } });
    const first = engine.update([{ kind: "put", name: "hep.yaml", text: HEP }]);
    expect(first.rejected).toEqual([]);
    expect(first.desired).toEqual(compiled([{ name: "eth0", addresses: ["10.0.0.9"] }]));
    expect(first.desired.chains.some((c) => c.name.startsWith("cali-fh-"))).toBe(false);

    const onEth1: HostInterface[] = [
      { name: "eth0", addresses: ["10.0.0.9"] },
      { name: "eth1", addresses: ["10.0.0.5"] },
    ];
    const added = engine.setHostInterfaces(onEth1);
    expect(added.desired).toEqual(compiled(onEth1));
    expect(added.dirty.chains).toContain("cali-fh-eth1");
    expect(added.dirty.chains).toContain("cali-from-host-endpoint");

    const moved: HostInterface[] = [
      { name: "eth0", addresses: ["10.0.0.9"] },
      { name: "eth2", addresses: ["10.0.0.5"] },
    ];
    const r = engine.setHostInterfaces(moved);
    expect(r.desired).toEqual(compiled(moved));
    expect(engine.current()).toBe(r.desired);
    expect(r.dirty.chains).toEqual(expect.arrayContaining(["cali-fh-eth1", "cali-fh-eth2", "cali-th-eth1", "cali-th-eth2"]));

    // The same list again changes nothing.
    expect(engine.setHostInterfaces(moved).dirty.chains).toEqual([]);
  });
});
