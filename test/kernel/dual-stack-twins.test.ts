/** The dual-stack rewrite the kernel suites run under (no kernel needed): IPv6 twins of ipBlocks and of Calico ICMP rules. */
import { describe, expect, it } from "vitest";
import { ipv6Twin, withIpv6Twins } from "./harness/dual-stack.js";

describe("dual-stack twins", () => {
  it("an address and a CIDR embed in fd00::/96", () => {
    expect(ipv6Twin("10.65.0.65")).toBe("fd00::a41:41");
    expect(ipv6Twin("10.65.0.0/16")).toBe("fd00::a41:0/112");
  });

  it("a Calico ICMP rule gets an ICMPv6 twin after it, echo types mapped, codes and the rest kept; other rules none", () => {
    const policy = {
      spec: {
        ingress: [
          { action: "Allow", protocol: "ICMP", icmp: { type: 8, code: 1 }, source: { selector: "a == 'b'" } },
          { action: "Allow", protocol: "ICMP", notICMP: { type: 0 } },
          { action: "Deny", protocol: "ICMP" },
          { action: "Allow", protocol: "TCP" },
        ],
      },
    };
    expect(withIpv6Twins(policy)).toEqual({
      spec: {
        ingress: [
          { action: "Allow", protocol: "ICMP", icmp: { type: 8, code: 1 }, source: { selector: "a == 'b'" } },
          { action: "Allow", protocol: "ICMPv6", icmp: { type: 128, code: 1 }, source: { selector: "a == 'b'" } },
          { action: "Allow", protocol: "ICMP", notICMP: { type: 0 } },
          { action: "Allow", protocol: "ICMPv6", notICMP: { type: 129 } },
          { action: "Deny", protocol: "ICMP" },
          { action: "Deny", protocol: "ICMPv6" },
          { action: "Allow", protocol: "TCP" },
        ],
      },
    });
  });

  it("an ICMP type without a known ICMPv6 counterpart is refused, not guessed", () => {
    expect(() => withIpv6Twins({ egress: [{ action: "Allow", protocol: "ICMP", icmp: { type: 3 } }] })).toThrow(/no ICMPv6 twin for ICMP type 3/);
  });

  it("a Kubernetes ipBlock peer gets its IPv6 twin as a separate peer", () => {
    expect(withIpv6Twins({ ingress: [{ from: [{ ipBlock: { cidr: "10.65.0.0/16", except: ["10.65.1.0/24"] } }] }] })).toEqual({
      ingress: [{ from: [{ ipBlock: { cidr: "10.65.0.0/16", except: ["10.65.1.0/24"] } }, { ipBlock: { cidr: "fd00::a41:0/112", except: ["fd00::a41:100/120"] } }] }],
    });
  });
});
