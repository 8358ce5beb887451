/** The fast `ipset save` scanner agrees with per-member normalisation; `ipset list -t` headers. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIpsetListTerse, parseIpsetSave } from "../../src/diff/parse-ipset-save.js";
import { normalizeMembers } from "../../src/diff/members.js";
import { SaveParseError } from "../../src/diff/errors.js";

const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom("00", "01", "256", "999", ""));
const member = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((o) => o.join(".")),
  fc.tuple(octet, octet, octet, octet, fc.constantFrom("/32", "/24", "/0", "/33", "/032", "")).map(([a, b, c, d, len]) => `${a}.${b}.${c}.${d}${len}`),
  fc.constantFrom("fd00::1", "FD00::1/64", "10.0.0.1 ", "10.0.0.1.5", "1.2.3", "x"),
);

describe("parseIpsetSave (line scanner)", () => {
  it("gives each owned set exactly normalizeMembers of what was printed, whatever the line endings", () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 30 }), fc.boolean(), (members, crlf) => {
        const eol = crlf ? "\r\n" : "\n";
        const text = [`create cali40s:a hash:net family inet maxelem 10`, ...members.map((m) => `add cali40s:a ${m}`)].join(eol) + eol;
        const [set] = parseIpsetSave(text, () => true);
        expect(set?.members).toEqual(normalizeMembers("hash:net", members.filter((m) => m.trim() !== "").map((m) => m.trim())));
      }),
      { numRuns: 300 },
    );
  });

  it("reads add lines of sets that are not the previous line's, and foreign members as printed", () => {
    const text = "create a hash:net\ncreate cali40s:b hash:net\nadd a 10.0.0.1\nadd cali40s:b 10.0.0.1\nadd a 10.0.0.2\n  add cali40s:b 10.0.0.2  \n";
    expect(parseIpsetSave(text, (n) => n.startsWith("cali4")).map((s) => [s.name, s.members])).toEqual([
      ["a", ["10.0.0.1", "10.0.0.2"]],
      ["cali40s:b", ["10.0.0.1/32", "10.0.0.2/32"]],
    ]);
  });
});

describe("parseIpsetListTerse", () => {
  it("reads name, type, header and entry count of each set", () => {
    const text = `Name: cali40s:x
Type: hash:net
Revision: 7
Header: family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0xc27a1b1b
Size in memory: 552
References: 1
Number of entries: 2

Name: KUBE-P
Type: bitmap:port
Revision: 3
Header: range 1-1024
Size in memory: 264
References: 0
Number of entries: 0
`;
    expect(parseIpsetListTerse(text)).toEqual([
      { name: "KUBE-P", type: "bitmap:port", family: null, maxelem: null, options: ["range", "1-1024"], entries: 0 },
      { name: "cali40s:x", type: "hash:net", family: "inet", maxelem: 1048576, options: ["hashsize", "1024", "bucketsize", "12", "initval", "0xc27a1b1b"], entries: 2 },
    ]);
    expect(parseIpsetListTerse("")).toEqual([]);
  });

  it("refuses a set without an entry count", () => {
    expect(() => parseIpsetListTerse("Name: a\nType: hash:net\n")).toThrow(SaveParseError);
  });
});
