/**
 * The worked examples of felix-dataplane.md §3.1 and §6.5: given that setup the renderer must
 * reproduce every hash shown there, byte for byte.
 */
import { describe, expect, it } from "vitest";
import { renderNodeView } from "../../src/render/node-view.js";
import { ruleText } from "../../src/render/restore.js";
import { irChain, rule, DROP } from "../../src/render/chain.js";
import { iptChain } from "../../src/render/iptables/print.js";
import { allowHttpView } from "./fixtures.js";

const state = renderNodeView(allowHttpView());
const chain = (name: string) => {
  const c = state.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name}`);
  return c.rules.map((r) => `-A ${name} ${ruleText(r)}`);
};

describe("§3.1 cali-tw-cali1234", () => {
  it("renders the twelve rules with Felix's hashes", () => {
    expect(chain("cali-tw-cali1234")).toEqual([
      '-A cali-tw-cali1234 -m comment --comment "cali:1pP47gk_8pyVarO3" -m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT',
      '-A cali-tw-cali1234 -m comment --comment "cali:KttutfyOi13aOyl_" -m conntrack --ctstate INVALID --jump DROP',
      '-A cali-tw-cali1234 -m comment --comment "cali:BlQZQV7RYz--Mx3P" --jump MARK --set-mark 0/0x30000',
      '-A cali-tw-cali1234 -m comment --comment "cali:K_JFUU9_njBD_8oN" -m comment --comment "Start of tier default" --jump MARK --set-mark 0/0x20000',
      '-A cali-tw-cali1234 -m comment --comment "cali:hOoS5u_5vBw1AlKE" -m mark --mark 0/0x20000 --jump cali-pi-__1mUHBQcIxYLxtmzd35',
      '-A cali-tw-cali1234 -m comment --comment "cali:JXOr9G7GyyHvj9BT" -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-tw-cali1234 -m comment --comment "cali:mIKjpPdhX9JYwK27" -m comment --comment "End of tier default. Drop if no policies passed packet" -m mark --mark 0/0x20000 --jump DROP',
      '-A cali-tw-cali1234 -m comment --comment "cali:Fo5BJBylnKVE-zHu" --jump cali-pri-kns.default',
      '-A cali-tw-cali1234 -m comment --comment "cali:YCId4ImoctrfMpan" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-tw-cali1234 -m comment --comment "cali:VyCuat-qoUH7xDMl" --jump cali-pri-ksa.default.default',
      '-A cali-tw-cali1234 -m comment --comment "cali:FFh7DXAZJuODbclx" -m comment --comment "Return if profile accepted" -m mark --mark 0x10000/0x10000 --jump RETURN',
      '-A cali-tw-cali1234 -m comment --comment "cali:wfJhoZi8EW2aLK-e" -m comment --comment "Drop if no profiles matched" --jump DROP',
    ]);
  });
});

describe("§6.5 policy, profile and dispatch chains", () => {
  it("policy chain: trailing RETURN stripped, chain comment on the first rule", () => {
    expect(chain("cali-pi-__1mUHBQcIxYLxtmzd35")).toEqual([
      '-A cali-pi-__1mUHBQcIxYLxtmzd35 -m comment --comment "cali:PTZqxAudAAaeGIIE" -m comment --comment "NetworkPolicy default/allow-http ingress" -p tcp -m set --match-set cali40s:cttW8MqAIeVWez-m8dwR9b3 src -m multiport --destination-ports 80,443 --jump MARK --set-mark 0x10000/0x10000',
    ]);
  });
  it("profile chains", () => {
    expect(chain("cali-pri-kns.default")).toEqual([
      '-A cali-pri-kns.default -m comment --comment "cali:WMSw8BmYOknRHfsz" -m comment --comment "Profile kns.default ingress" --jump MARK --set-mark 0x10000/0x10000',
    ]);
    expect(chain("cali-pri-ksa.default.default")).toEqual([
      '-A cali-pri-ksa.default.default -m comment --comment "cali:PrckJA84jX_kGp99" -m comment --comment "Profile ksa.default.default ingress"',
    ]);
  });
  it("to-workload dispatch with one endpoint", () => {
    expect(chain("cali-to-wl-dispatch")).toEqual([
      '-A cali-to-wl-dispatch -m comment --comment "cali:t6VVhnKvsMJm-eGG" --out-interface cali1234 --goto cali-tw-cali1234',
      '-A cali-to-wl-dispatch -m comment --comment "cali:ROiJM-TJMmyYhkMs" -m comment --comment "Unknown interface" --jump DROP',
    ]);
  });
  it("empty to-workload dispatch (before the pod existed)", () => {
    const c = iptChain(irChain("cali-to-wl-dispatch", [rule([], DROP, ["Unknown interface"])]));
    expect(c.rules.map((r) => r.hash)).toEqual(["7KNphB1nNHw80nIO"]);
  });
  it("no cali-po- chain for an ingress-only policy", () => {
    expect(state.chains.some((c) => c.name.startsWith("cali-po-"))).toBe(false);
  });
});
