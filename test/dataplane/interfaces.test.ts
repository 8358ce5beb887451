import { describe, expect, it } from "vitest";
import { HostInterfaceReadError, parseIpAddrJson } from "../../src/dataplane/interfaces.js";

describe("parseIpAddrJson (ip -j addr show)", () => {
  it("takes each link's inet/inet6 local addresses, sorted, without prefix", () => {
    const text = JSON.stringify([
      { ifindex: 3, ifname: "up0", flags: ["UP"], addr_info: [{ family: "inet", local: "10.97.0.1", prefixlen: 24 }, { family: "inet6", local: "fe80::1", prefixlen: 64 }] },
      { ifindex: 1, ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }] },
      { ifindex: 4, ifname: "dum0" },
    ]);
    expect(parseIpAddrJson(text)).toEqual([
      { name: "dum0", addresses: [] },
      { name: "lo", addresses: ["127.0.0.1"] },
      { name: "up0", addresses: ["10.97.0.1", "fe80::1"] },
    ]);
  });

  it("refuses what is not ip's JSON", () => {
    expect(() => parseIpAddrJson("not json")).toThrow(HostInterfaceReadError);
    expect(() => parseIpAddrJson(JSON.stringify([{ ifindex: 1 }]))).toThrow(/unexpected JSON/);
  });
});
