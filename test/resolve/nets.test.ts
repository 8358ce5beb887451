import { describe, expect, it } from "vitest";
import { parseV4Net, v4Network } from "../../src/resolve/nets.js";

describe("IPv4 nets", () => {
  it.each([
    ["10.0.0.1", { address: 0x0a000001, prefix: 32 }],
    ["10.0.0.1/24", { address: 0x0a000001, prefix: 24 }],
    ["255.255.255.255/0", { address: 0xffffffff, prefix: 0 }],
    ["10.0.0", undefined],
    ["10.0.0.256", undefined],
    ["10.0.0.1/33", undefined],
    ["10..0.1", undefined],
    ["1.2.3.4.5", undefined],
    ["a.b.c.d", undefined],
    ["1234.0.0.1", undefined],
    ["fd00::1/64", undefined],
  ])("parseV4Net(%s)", (text, expected) => {
    expect(parseV4Net(text)).toEqual(expected);
  });

  it.each([
    ["10.1.2.3/16", "10.1.0.0/16"],
    ["10.1.2.3", "10.1.2.3/32"],
    ["192.168.7.9/0", "0.0.0.0/0"],
    ["172.16.255.1/12", "172.16.0.0/12"],
  ])("%s: network %s (source and destination nets alike, calico-332.md §7.1 item 6)", (text, network) => {
    expect(v4Network(text)).toBe(network);
  });
});
