/**
 * Builds a file tree for input listing tests from a table: text files, links, FIFOs, sockets,
 * sparse files and directories, in a fresh temporary directory.
 */
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";

export type Node = string | { readonly link: string } | { readonly fifo: true } | { readonly socket: true } | { readonly dir: true } | { readonly sparseBytes: number };

export interface Tree {
  readonly dir: string;
  remove(): Promise<void>;
}

/** Creates `nodes` (paths relative to a new temporary directory) in the order given. */
export async function makeTree(nodes: Readonly<Record<string, Node>>): Promise<Tree> {
  const dir = await mkdtemp(join(tmpdir(), "pc-tree-"));
  const servers: Server[] = [];
  for (const [rel, node] of Object.entries(nodes)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    if (typeof node === "string") await writeFile(path, node);
    else if ("link" in node) await symlink(node.link, path);
    else if ("fifo" in node) await execa("mkfifo", [path]);
    else if ("dir" in node) await mkdir(path, { recursive: true });
    else if ("sparseBytes" in node) {
      await writeFile(path, "");
      await truncate(path, node.sparseBytes);
    } else {
      const server = createServer();
      await new Promise<void>((done) => server.listen(path, done));
      servers.push(server);
    }
  }
  return {
    dir,
    remove: async () => {
      await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
