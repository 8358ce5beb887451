/**
 * The CLI as kubectl and calicoctl users hold it (issue 22), each case through the real CLI on the
 * docs' three-tier shop (docs/examples/cli): -f with several paths, -o beside --format, -n,
 * protocols in any case, exit codes to gate on, --help examples, crd.projectcalico.org/v1 input.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const SHOP = "docs/examples/cli";
const CLUSTER = `${SHOP}/cluster.yaml`;
const POLICIES = `${SHOP}/policies.yaml`;

describe("-f takes several paths in every command", () => {
  it.each([
    [["validate", "-f", CLUSTER, POLICIES]],
    [["lint", "-f", CLUSTER, POLICIES]],
    [["validate", "-f", CLUSTER, "-f", POLICIES]],
    [["lint", "-f", CLUSTER, "-f", POLICIES]],
  ])("%j reads both files", async (argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("valid: 2 files, 0 errors, 0 warnings\n");
  });

  it("compile, explain, matrix and describe take -f a b as well", async () => {
    expect((await cli(["compile", "-f", CLUSTER, POLICIES, "--node", "node-1", "-o", "json"])).code).toBe(0);
    expect((await cli(["explain", "-f", CLUSTER, POLICIES, "--from", "shop/api-5c4d7b9f6-lm3np", "--to", "shop-db/db-0", "--port", "5432"])).stdout).toContain("ALLOW");
    expect((await cli(["describe", "node", "node-1", "-f", CLUSTER, POLICIES])).stdout).toContain("endpoints (2):");
  });

  it("validate of a path without input files is an error, as for compile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-empty-"));
    try {
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "sub", "README.md"), "no policy here\n");
      for (const command of ["validate", "lint", "compile"]) {
        const r = await cli([command, "-f", "sub", ...(command === "compile" ? ["--node", "n"] : [])], dir);
        expect(r.code, command).toBe(1);
        expect(r.stderr, command).toBe("policy-compile: no *.yaml, *.yml or *.json files found in sub\n");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("-o beside --format", () => {
  it("-o json prints what --format json prints", async () => {
    const a = await cli(["validate", "-f", SHOP, "-o", "json"]);
    const b = await cli(["validate", "-f", SHOP, "--format", "json"]);
    expect(a).toEqual(b);
    expect(a.stdout).toBe("[]\n");
  });

  it.each([
    [["validate", "-f", SHOP, "-o", "yaml"]],
    [["explain", "-f", SHOP, "--from", "shop/web", "--to", "shop-db/db-0", "--port", "5432", "-o", "yaml"]],
    [["describe", "node", "node-1", "-f", SHOP, "-o", "html"]],
    [["compile", "-f", SHOP, "--node", "node-1", "-o", "text"]],
  ])("%j: a format the command cannot print is a usage error (exit 2)", async (argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument '\w+' is invalid\. Allowed choices are/);
  });

  it("--format and -o that disagree are a usage error", async () => {
    const r = await cli(["lint", "-f", SHOP, "--format", "json", "-o", "text"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("policy-compile lint: --format json and -o text disagree; give one\n");
  });
});

describe("protocols in any case, ports with ICMP", () => {
  it("--protocol udp is UDP", async () => {
    const lower = await cli(["explain", "-f", SHOP, "--from", "shop/api-5c4d7b9f6-lm3np", "--to", "shop/web-7d9f8c6b5-x2x4z", "--port", "53", "--protocol", "udp"]);
    expect(lower.code).toBe(0);
    expect(lower.stdout.split("\n")[0]).toBe("shop/api-5c4d7b9f6-lm3np -> shop/web-7d9f8c6b5-x2x4z UDP/53: DENY");
    const matrix = await cli(["matrix", "-f", SHOP, "--protocol", "Udp", "--port", "53", "-o", "json"]);
    expect(matrix.code).toBe(0);
    expect(JSON.parse(matrix.stdout).pairs[0].protocol).toBe("UDP");
  });

  it("an unknown protocol is a usage error", async () => {
    const r = await cli(["matrix", "-f", SHOP, "--protocol", "gre"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected one of tcp, udp, sctp, icmp (any case), found "gre"');
  });

  it.each([["explain", "--from", "shop/api", "--to", "shop/web", "--port", "80"], ["matrix", "--port", "80"]])("%s: --port with --protocol ICMP is refused", async (command, ...rest) => {
    const r = await cli([command, "-f", SHOP, ...rest, "--protocol", "icmp"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`policy-compile ${command}: --port does not go with --protocol ICMP (ICMP has no ports; the echo request is traced)\n`);
  });
});

describe("exit codes to gate on", () => {
  it("diff --exit-code exits 1 when the transaction is not empty, 0 when it is", async () => {
    const changed = await cli(["diff", "--node", "node-2", "--from", CLUSTER, "--to", CLUSTER, POLICIES, "--backend", "legacy", "--exit-code"]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain("# iptables-restore --noflush (legacy)");
    const same = await cli(["diff", "--node", "node-2", "--from", SHOP, "--to", SHOP, "--backend", "legacy", "--exit-code"]);
    expect(same).toEqual({ code: 0, stdout: "# no changes\n", stderr: "" });
    const plain = await cli(["diff", "--node", "node-2", "--from", CLUSTER, "--to", SHOP, "--backend", "legacy"]);
    expect(plain.code).toBe(0);
  });

  it("matrix --from/--to --exit-code exits 1 when a pair changes", async () => {
    const r = await cli(["matrix", "--from", CLUSTER, "--to", CLUSTER, POLICIES, "--exit-code"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("closed shop/web-7d9f8c6b5-x2x4z -> shop-db/db-0 TCP/5432\n");
    const same = await cli(["matrix", "--from", SHOP, "--to", SHOP, "--exit-code"]);
    expect(same).toEqual({ code: 0, stdout: "no pair changes\n", stderr: "" });
  });

  it("explain --exit-code exits 1 on deny, 0 on allow", async () => {
    const deny = await cli(["explain", "-f", SHOP, "--from", "shop/web-7d9f8c6b5-x2x4z", "--to", "shop-db/db-0", "--port", "5432", "--exit-code"]);
    expect(deny.code).toBe(1);
    const allow = await cli(["explain", "-f", SHOP, "--from", "shop/api-5c4d7b9f6-lm3np", "--to", "shop-db/db-0", "--port", "5432", "--exit-code"]);
    expect(allow.code).toBe(0);
    const noFlag = await cli(["explain", "-f", SHOP, "--from", "shop/web-7d9f8c6b5-x2x4z", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(noFlag.code).toBe(0);
  });

  it("matrix --namespace nosuch says the namespace is unknown", async () => {
    const r = await cli(["matrix", "-f", SHOP, "-n", "nosuch"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error[PC8011]: --namespace: namespace "nosuch" is not in the inputs (known: shop, shop-db)\n');
    const known = await cli(["matrix", "-f", SHOP, "--namespace", "shop-db", "-o", "json"]);
    expect(known.code).toBe(0);
  });
});

describe("--help of every command shows examples", () => {
  it.each(["selector", "validate", "lint", "convert", "compile", "diff", "apply", "explain", "matrix", "describe", "agent", "datastore"])("%s --help", async (command) => {
    const r = await cli([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}\$ .*policy-compile /);
  });

  it("the agent's help says IPv6 updates are planned without a read, as the agent does", async () => {
    const r = await cli(["agent", "--help"]);
    expect(r.stdout).toContain("is kept incrementally and an update is planned against the agent's view of the kernel, without\na read");
    expect(r.stdout).not.toContain("applied with a full read");
  });
});

describe("matrix order", () => {
  it("sorts by namespace, then name: shop/… before shop-db/…", async () => {
    const r = await cli(["matrix", "-f", SHOP, "--port", "5432", "-o", "json"]);
    const sources = [...new Set((JSON.parse(r.stdout) as { pairs: { from: string }[] }).pairs.map((p) => p.from))];
    expect(sources).toEqual(["shop/api-5c4d7b9f6-lm3np", "shop/web-7d9f8c6b5-q8k2m", "shop/web-7d9f8c6b5-x2x4z", "shop-db/db-0"]);
  });
});

describe("crd.projectcalico.org/v1 resources, as kubectl get prints them", () => {
  it("load as the same kinds, kubectl's metadata included", async () => {
    const r = await cli(["explain", "-f", "test/cli/fixtures/crd", CLUSTER, "--from", "shop/api-5c4d7b9f6-lm3np", "--to", "shop-db/db-0", "--port", "5432"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("logged by:  GlobalNetworkPolicy security.audit-db (tier security) ingress rule 0 (Log)");
    expect(r.stdout).toContain("decided by: NetworkPolicy shop-db/db-from-api (tier default) ingress rule 0 (Allow)");
  });

  it("keep the strict spec: an unknown spec field is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-crd-"));
    try {
      writeFileSync(join(dir, "p.yaml"), "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\n  uid: 5a7d2e1f-9c3b-4e8a-b6f0-1d4c7e2a9b58\n  resourceVersion: \"1\"\nspec:\n  selector: all()\n  ingres: []\n");
      const r = await cli(["validate", "-f", "p.yaml"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^p\.yaml:9:3: error PC2004: .*ingres/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("diagnostics where the mistake is", () => {
  it("an unclosed { is reported at the {, with the line the parser noticed it as a note", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-yaml-"));
    try {
      writeFileSync(join(dir, "p.yaml"), "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g\nspec:\n  selector: all()\n");
      const r = await cli(["validate", "-f", "p.yaml"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").slice(0, 4)).toEqual([
        "p.yaml:3:11: error PC1001: YAML syntax error: this '{' is never closed with '}'",
        "  metadata: {name: g",
        "            ^",
        "p.yaml:4:1: note: the parser noticed here: Flow map in block collection must be sufficiently indented and end with a }",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("PC4004 points at types:, not at the document's first line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-types-"));
    try {
      writeFileSync(join(dir, "p.yaml"), "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: g\nspec:\n  selector: all()\n  types: [Egress]\n  ingress:\n  - action: Allow\n");
      const r = await cli(["validate", "-f", "p.yaml"], dir);
      expect(r.code).toBe(0);
      expect(r.stderr.split("\n")[0]).toBe("p.yaml:7:3: warning PC4004: 1 ingress rule will never be evaluated: the policy's types do not include Ingress");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
