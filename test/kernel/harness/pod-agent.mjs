// One long-lived process per pod network namespace (started with `ip netns exec <pod> node
// pod-agent.mjs '<config json>'). It is both the pod's servers and its prober:
//
// - it listens on every configured TCP and UDP port and answers with the pod's identity
//   ("<namespace>/<pod>"), so a probe proves it reached the right pod, not just some socket;
// - it reads probe commands as JSON lines on stdin and writes one JSON line per result:
//   {"id":1,"proto":"tcp","host":"10.65.0.2","port":80,"srcPort":20001,"timeoutMs":1000}
//   -> {"id":1,"ok":true,"reply":"x/b"} or {"id":1,"ok":false,"error":"timeout"}.
//
// Every probe binds the source port the controller chose. The controller never reuses a
// source port inside one topology, so no probe can ride on a conntrack entry left by an
// earlier probe (an ESTABLISHED entry would bypass policy); UDP probes use a fresh socket each.
//
// Plain JavaScript on purpose: it runs under the bare node binary, without a TypeScript loader.
import { createServer, connect } from "node:net";
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";

const config = JSON.parse(process.argv[2] ?? "{}");
const identity = String(config.identity);
const ports = Array.isArray(config.ports) ? config.ports.map(Number) : [];
// Dual-stack pods (config.ipv6) also serve on "::" (IPv6 only; IPv4 stays on its own sockets).
const ipv6 = config.ipv6 === true;

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function listenTcp(port, v6 = false) {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => {
      sock.on("error", () => {});
      sock.end(identity + "\n");
    });
    server.once("error", reject);
    server.listen(v6 ? { port, host: "::", ipv6Only: true } : { port, host: "0.0.0.0" }, () => resolve(server));
  });
}

function listenUdp(port, v6 = false) {
  return new Promise((resolve, reject) => {
    const sock = v6 ? createSocket({ type: "udp6", ipv6Only: true }) : createSocket("udp4");
    sock.on("message", (_msg, rinfo) => {
      sock.send(identity + "\n", rinfo.port, rinfo.address);
    });
    sock.once("error", reject);
    sock.bind(port, v6 ? "::" : "0.0.0.0", () => resolve(sock));
  });
}

function probeTcp(cmd) {
  return new Promise((resolve) => {
    let data = "";
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(result);
    };
    const sock = connect({ host: cmd.host, port: cmd.port, localPort: cmd.srcPort });
    const timer = setTimeout(() => finish({ ok: false, error: data === "" ? "timeout" : "partial reply" }), cmd.timeoutMs);
    sock.setEncoding("utf8");
    sock.on("data", (chunk) => {
      data += chunk;
      if (data.includes("\n")) finish({ ok: true, reply: data.trim() });
    });
    sock.on("end", () => finish(data === "" ? { ok: false, error: "closed without reply" } : { ok: true, reply: data.trim() }));
    sock.on("error", (err) => finish({ ok: false, error: err.code ?? err.message }));
  });
}

function probeUdp(cmd) {
  return new Promise((resolve) => {
    let done = false;
    const v6 = String(cmd.host).includes(":");
    const sock = v6 ? createSocket({ type: "udp6", ipv6Only: true }) : createSocket("udp4");
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: "timeout" }), cmd.timeoutMs);
    sock.on("message", (msg) => finish({ ok: true, reply: msg.toString("utf8").trim() }));
    sock.on("error", (err) => finish({ ok: false, error: err.code ?? err.message }));
    sock.bind(cmd.srcPort, v6 ? "::" : "0.0.0.0", () => {
      sock.send("probe\n", cmd.port, cmd.host, (err) => {
        if (err) finish({ ok: false, error: err.code ?? err.message });
      });
    });
  });
}

async function handle(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    send({ id: null, ok: false, error: `bad command: ${line}` });
    return;
  }
  const result =
    cmd.proto === "tcp"
      ? await probeTcp(cmd)
      : cmd.proto === "udp"
        ? await probeUdp(cmd)
        : { ok: false, error: `unsupported protocol ${cmd.proto}` };
  send({ id: cmd.id, ...result });
}

const servers = [];
try {
  for (const port of ports) {
    servers.push(await listenTcp(port));
    servers.push(await listenUdp(port));
    if (ipv6) {
      servers.push(await listenTcp(port, true));
      servers.push(await listenUdp(port, true));
    }
  }
} catch (err) {
  send({ ready: false, error: String(err && err.message ? err.message : err) });
  process.exit(1);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "") void handle(line);
});
rl.on("close", () => process.exit(0));
send({ ready: true, identity });
