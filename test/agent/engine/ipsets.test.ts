/**
 * The agent's ipset store (src/agent/engine/ipsets.ts): a set that appears is computed from the
 * members its selector can match through a label index built for the selector's keys on first
 * use, and kept up to date by the members that come and go after that.
 */
import { describe, expect, it } from "vitest";
import { IpSetStore } from "../../../src/agent/engine/ipsets.js";
import type { IpSetDemand } from "../../../src/resolve/rules.js";
import { parseSelector } from "../../../src/selector/index.js";

const demand = (name: string, selector: string): IpSetDemand => ({ kind: "selector", name, selector: parseSelector(selector) });
const member = (labels: Record<string, string>, ip: string) => ({ labels, addresses: [`${ip}/32`], ports: [] });

describe("IpSetStore", () => {
  it("computes a new set from members that came before, and follows members that come after", () => {
    const store = new IpSetStore(4);
    store.updateMember("a", undefined, member({ app: "web", tier: "front" }, "10.0.0.1"));
    store.updateMember("b", undefined, member({ app: "db" }, "10.0.0.2"));
    store.updateMember("c", undefined, member({ tier: "front" }, "10.0.0.3"));
    store.acquire("p1", [demand("cali40web", "app == 'web'"), demand("cali40front", "has(tier)")]);
    store.finish();
    expect(store.get("cali40web")?.members).toEqual(["10.0.0.1/32"]);
    expect(store.get("cali40front")?.members).toEqual(["10.0.0.1/32", "10.0.0.3/32"]);

    // After the key is indexed: a new member, a relabel out of the set, a removal.
    store.updateMember("d", undefined, member({ app: "web" }, "10.0.0.4"));
    store.updateMember("a", undefined, member({ app: "api", tier: "front" }, "10.0.0.1"));
    store.updateMember("c", undefined, undefined);
    store.finish();
    expect(store.get("cali40web")?.members).toEqual(["10.0.0.4/32"]);
    expect(store.get("cali40front")?.members).toEqual(["10.0.0.1/32"]);

    // A second set on an indexed key sees the index as the members are now.
    store.acquire("p2", [demand("cali40web-or-api", "app in {'web', 'api'}")]);
    store.finish();
    expect(store.get("cali40web-or-api")?.members).toEqual(["10.0.0.1/32", "10.0.0.4/32"]);
  });

  it("reads only a member's own labels: a label named like an Object method is a label like any other", () => {
    const store = new IpSetStore(4);
    store.updateMember("a", undefined, member({ constructor: "x" }, "10.0.0.1"));
    store.updateMember("b", undefined, member({ app: "web" }, "10.0.0.2"));
    store.acquire("p", [demand("cali40ctor", "has(constructor)"), demand("cali40tostring", "has(toString)")]);
    store.finish();
    expect(store.get("cali40ctor")?.members).toEqual(["10.0.0.1/32"]);
    expect(store.get("cali40tostring")?.members).toEqual([]);
    store.updateMember("b", undefined, member({ toString: "y" }, "10.0.0.2"));
    store.updateMember("a", undefined, undefined);
    store.finish();
    expect(store.get("cali40ctor")?.members).toEqual([]);
    expect(store.get("cali40tostring")?.members).toEqual(["10.0.0.2/32"]);
  });
});
