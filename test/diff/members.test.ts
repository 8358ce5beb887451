import { describe, expect, it } from "vitest";
import { normalizeMember, normalizeMembers } from "../../src/diff/members.js";

describe("normalizeMember", () => {
  it.each([
    ["hash:net", "10.0.0.5", "10.0.0.5/32"],
    ["hash:net", "10.0.0.5/32", "10.0.0.5/32"],
    ["hash:net", "10.0.0.5/24", "10.0.0.0/24"],
    ["hash:net", "0.0.0.0/0", "0.0.0.0/0"],
    ["hash:net", "255.255.255.255/1", "128.0.0.0/1"],
    ["hash:net", "fd00::1", "fd00::1/128"],
    ["hash:net", "FD00:0:0:0:0:0:0:1/64", "fd00::/64"],
    ["hash:net", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"],
    ["hash:net", "::ffff:1.2.3.4", "::ffff:102:304/128"],
    ["hash:net", "not-an-ip", "not-an-ip"],
    ["hash:ip,port", "10.0.0.1,TCP:80", "10.0.0.1,tcp:80"],
    ["hash:ip,port", "10.0.0.1,80", "10.0.0.1,tcp:80"],
    ["hash:ip,port", "10.0.0.1,sctp:9", "10.0.0.1,sctp:9"],
    ["bitmap:port", "80", "80"],
  ])("%s %s → %s", (type, member, expected) => {
    expect(normalizeMember(type, member)).toBe(expected);
  });

  it("dedupes and sorts", () => {
    expect(normalizeMembers("hash:net", ["10.0.0.2", "10.0.0.1/32", "10.0.0.1"])).toEqual(["10.0.0.1/32", "10.0.0.2/32"]);
  });
});
