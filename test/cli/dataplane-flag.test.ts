/** `--dataplane`: the values each command takes, iptables by default, a usage error (exit 2) otherwise. */
import { describe, expect, it } from "vitest";
import { parseDataplane } from "../../src/cli/dataplane-flag.js";
import { UsageError } from "../../src/cli/io.js";

describe("parseDataplane", () => {
  it.each([
    [undefined, false, "iptables"],
    ["iptables", false, "iptables"],
    ["nftables", false, "nftables"],
    ["auto", true, "auto"],
    ["nftables", true, "nftables"],
  ] as const)("%s (auto allowed: %s) → %s", (value, auto, expected) => {
    expect(parseDataplane(value, { auto })).toBe(expected);
  });

  it.each([
    ["auto", false, '--dataplane: expected iptables or nftables, not "auto"'],
    ["nft", true, '--dataplane: expected iptables, nftables or auto, not "nft"'],
    ["IPTABLES", false, '--dataplane: expected iptables or nftables, not "IPTABLES"'],
    ["", false, '--dataplane: expected iptables or nftables, not ""'],
  ] as const)("%s (auto allowed: %s) is a usage error", (value, auto, message) => {
    const run = () => parseDataplane(value, { auto });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as UsageError).exitCode).toBe(2);
    }
  });
});
