/**
 * `policy-compile agent --node NAME (--watch DIR | --etcd URLS)`: the long-running node agent.
 * Runs in the network namespace it programs (as Felix does), until SIGTERM or SIGINT.
 *
 * stdout: JSON lines, one per event (start, snapshot, apply, converge, diagnostics, …).
 * SIGUSR1: logs a `status` line and (re)writes --status-file. The status file is also rewritten
 * after every apply, so `cat` shows the state as of the last change.
 */
import { failsafeFromFlags, failsafeInboundOption, failsafeOutboundOption, type FailsafeFlagValues } from "./failsafe-flags.js";
import { rename, writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import type { HookMode } from "../diff/index.js";
import type { Backend } from "../diff/transaction.js";
import { Dataplane } from "../dataplane/index.js";
import { NftDataplane } from "../dataplane/nftables.js";
import { nftablesKernel } from "../agent/kernel.js";
import { dataplaneOption, type DataplaneFlag } from "./dataplane-flag.js";
import { resolveDataplane } from "./nft-inputs.js";
import type { EndpointToHostAction } from "../render/index.js";
import { AgentDaemon } from "../agent/daemon.js";
import { AgentEngine, diffDirty } from "../agent/engine/index.js";
import { Ipv6Family } from "../agent/ipv6.js";
import { kernelInterfaceWatch, type HostInterfaceWatch } from "../agent/host-interfaces.js";
import { hostInterfaceOption, parseHostInterfaces, type HostInterfaceFlagValues } from "./host-interface-flags.js";
import { jsonLinesLogger } from "../agent/log.js";
import { DirectorySource } from "../agent/sources/directory.js";
import { EtcdSource } from "../agent/sources/etcd.js";
import type { Source } from "../agent/sources/types.js";
import type { AgentStatus } from "../agent/status.js";
import { AgentMetrics } from "../agent/metrics.js";
import { healthTable } from "../agent/health.js";
import { serveRoutes, type Listening } from "../agent/http.js";
import type { CliContext, RegisterCommand } from "./context.js";
import { UsageError } from "./io.js";
import { endpointToHostOption } from "./diff.js";
import { allowEmptyNodeOption, checkNodeFlag, type NodeFlagValues } from "./node-flags.js";
import { addEtcdOptions, ETCD_HELP, resolveEtcd, type EtcdFlagValues } from "./etcd-flags.js";

interface AgentCommandOptions extends FailsafeFlagValues, HostInterfaceFlagValues, NodeFlagValues, EtcdFlagValues {
  readonly node: string;
  readonly watch?: string[];
  readonly etcdPrefix: string;
  readonly batchMs: string;
  readonly resyncSeconds: string;
  readonly statusFile?: string;
  readonly backend: Backend | "auto";
  readonly dataplane: DataplaneFlag;
  readonly nft?: string;
  readonly hookMode: HookMode;
  readonly endpointToHostAction: EndpointToHostAction;
  readonly ipv6: "auto" | "off";
  readonly pipeline?: boolean;
  readonly metricsPort?: string;
  readonly metricsHost: string;
  readonly healthPort?: string;
  readonly healthHost: string;
}

const HELP_AFTER = `
Sources (at least one; both may be given; etcd is used when --etcd, --config, ETCD_ENDPOINTS
or DATASTORE_TYPE says so):
  --watch DIR    YAML/JSON files under DIR (recursively; names starting with "." skipped; links
                 followed while they stay inside DIR, so a ConfigMap volume works); a file is a
                 source named by its path. Only regular files up to 64 MiB are read; one that
                 cannot be (a FIFO, a link out of DIR, EACCES ...) is logged (source-problem,
                 PC1010-PC1015) and its last good version stays in force. A file is read once
                 its last write is 25 ms old; to update one atomically, write ".NAME.tmp" in the
                 same directory and rename it over NAME.
  --etcd URLS    Calico's etcd v3 datastore: JSON projectcalico.org/v3 resources under
                 <prefix>/resources/v3/projectcalico.org/<plural kind>/[<namespace>/]<name>
  --config FILE  the same, configured by a calicoctl.cfg
${ETCD_HELP}
Logs: JSON lines on stdout (events: start, snapshot, converge, apply, diagnostics,
source-problem, apply-failed, status, stopped). Invalid input is logged with file:line:col (or
the etcd key) and the last good version stays in force.

Dataplane (--dataplane): iptables (iptables + ipset, the default; --backend picks the iptables
variant), nftables (Felix's native nftables mode: the agent owns the tables ip calico and
ip6 calico, whole, and writes each step as one atomic nft -f transaction planned from its own
view of the table, handles included; docs/nftables-reconcile.md), or auto: nftables when the
namespace's kernel holds kube-proxy's ip kube-proxy (or ip6 kube-proxy) table with chains, as
Felix's nftablesMode Auto decides, else iptables (the choice is printed on stderr). --backend
and --hook-mode are iptables settings: with nftables they are a usage error.

IPv6 (--ipv6 auto, the default): once the inputs hold an IPv6 address or IPv6-only rule, the
agent also programs ip6tables and the cali6 sets (or the table ip6 calico) after each IPv4 step. Like IPv4, the IPv6 state
is kept incrementally and an update is planned against the agent's view of the kernel, without
a read; the first apply, every converge (--resync-seconds) and any apply after a failure read
the kernel and diff in full. The step's log line gets an "ipv6" field. --ipv6 off: IPv4 only.

Host interfaces: host endpoints that give only expectedIPs govern the interface holding one of
those addresses. The agent reads the namespace's interfaces (ip -j addr show) before the first
apply, re-reads them on every address change (ip -o monitor address) and at each resync, and
re-programs within the batch window (log event "host-interfaces"). --host-interface
NAME=IP[,IP...] (repeatable) fixes the list instead.

Metrics and health (as Felix's PrometheusMetrics* and Health* settings; docs/agent.md lists
the metrics):
  --metrics-port N   Prometheus metrics at http://HOST:N/metrics (Felix uses 9091); --metrics-host
                     defaults to every address, as Felix's PrometheusMetricsHost does
  --health-port N    GET /liveness and /readiness (Felix uses 9099): 200 when good, 503 when not,
                     with a table of the components; --health-host defaults to localhost, as
                     Felix's HealthHost does. Port 0 picks a free port; the "listening" log line
                     says which.

Signals: SIGTERM/SIGINT stop cleanly (a running transaction finishes; the kernel keeps its
rules). SIGUSR1 logs a status line and writes --status-file.

Examples:
  $ ip netns exec node-1 policy-compile agent --node node-1 --watch policies/ --status-file /run/pc.json
  $ policy-compile agent --node node-1 --etcd http://127.0.0.1:2379
  $ policy-compile agent --node node-1 --config /etc/calico/calicoctl.cfg
  $ ETCD_ENDPOINTS=https://10.0.0.1:2379 ETCD_CA_CERT_FILE=ca.pem ETCD_CERT_FILE=node.pem ETCD_KEY_FILE=node-key.pem policy-compile agent --node node-1
`;

function portNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`policy-compile agent: ${flag} must be a port number from 0 to 65535, got "${value}"`);
  return n;
}

/** Listens, or says which flag's address cannot be used (in use, not an address of this namespace). */
async function listen(flag: string, host: string, port: number, routes: Parameters<typeof serveRoutes>[2]): Promise<Listening> {
  try {
    return await serveRoutes(host, port, routes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why = code === "EADDRINUSE" ? "address already in use" : code === "EADDRNOTAVAIL" || code === "ENOTFOUND" ? "not an address of this network namespace" : e instanceof Error ? e.message : String(e);
    throw new UsageError(`policy-compile agent: ${flag} ${port} on ${host === "" ? "every address" : host}: ${why}`);
  }
}

function positiveNumber(flag: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`policy-compile agent: ${flag} must be a ${allowZero ? "non-negative" : "positive"} number, got "${value}"`);
  return n;
}

export const registerAgent: RegisterCommand = (program: Command, ctx: CliContext) => {
  const command = program
    .command("agent")
    .description("Keep this network namespace's kernel in step with watched files or an etcd datastore.")
    .requiredOption("--node <name>", "the node this agent programs")
    .option("--watch <dir...>", "directories of YAML/JSON files to watch");
  addEtcdOptions(command)
    .option("--etcd-prefix <prefix>", "root of Calico's keys", "/calico")
    .option("--batch-ms <ms>", "batch window: changes within it are applied together", "50")
    .option("--resync-seconds <s>", "period of the full read that repairs drift", "90")
    .option("--pipeline", "plan the next batch while the kernel applies the current one (helps with a spare core; see docs/agent.md)")
    .option("--status-file <path>", "JSON status, rewritten after every apply and on SIGUSR1")
    .addOption(dataplaneOption({ auto: true }))
    .option("--nft <path>", "nft binary, with --dataplane nftables (default: nft)")
    .addOption(new Option("--backend <backend>", "iptables variant").choices(["auto", "legacy", "nft"]).default("auto"))
    .addOption(new Option("--hook-mode <mode>", "hook rules at the top of INPUT/FORWARD/OUTPUT, or after other rules").choices(["insert", "append"]).default("insert"))
    .addOption(endpointToHostOption())
    .addOption(new Option("--ipv6 <mode>", "program the IPv6 family too when IPv6 is in play").choices(["auto", "off"]).default("auto"))
    .addHelpText("after", HELP_AFTER)
    .addOption(failsafeInboundOption())
    .addOption(failsafeOutboundOption())
    .addOption(hostInterfaceOption())
    .addOption(allowEmptyNodeOption())
    .option("--metrics-port <port>", "serve Prometheus metrics at /metrics on this port (off by default; Felix uses 9091)")
    .option("--metrics-host <address>", "address for --metrics-port (default: every address, as Felix)", "")
    .option("--health-port <port>", "serve /liveness and /readiness on this port (off by default; Felix uses 9099)")
    .option("--health-host <address>", "address for --health-port", "localhost")
    .action(async (options: AgentCommandOptions) => {
      const given = (flag: string): boolean => command.getOptionValueSource(flag) === "cli";
      const mayUseNft = options.dataplane === "nftables" || options.dataplane === "auto";
      if (options.nft !== undefined && !mayUseNft) throw new UsageError("policy-compile agent: --nft is for --dataplane nftables or auto");
      const failsafe = failsafeFromFlags(options);
      // Given interfaces are fixed; otherwise the namespace's own, followed as they change (as Felix does).
      const fixed = options.hostInterface?.length ? parseHostInterfaces(options.hostInterface) : undefined;
      const hostInterfaces: HostInterfaceWatch = fixed ? { read: async () => fixed, watch: () => () => undefined } : kernelInterfaceWatch;
      checkNodeFlag("policy-compile agent", options.node);
      const batchMs = positiveNumber("--batch-ms", options.batchMs, true);
      const metricsPort = options.metricsPort === undefined ? undefined : portNumber("--metrics-port", options.metricsPort);
      const healthPort = options.healthPort === undefined ? undefined : portNumber("--health-port", options.healthPort);
      const resyncMs = positiveNumber("--resync-seconds", options.resyncSeconds) * 1000;
      const etcd = await resolveEtcd(options, ctx, "policy-compile agent");
      if (!options.watch?.length && !etcd) throw new UsageError("policy-compile agent: give --watch DIR and/or an etcd datastore (--etcd URLS, --config FILE, or ETCD_ENDPOINTS)");
      const sources: Source[] = (options.watch ?? []).map((dir) => new DirectorySource(dir, ctx.io.cwd));
      if (etcd) {
        const { connection, tls } = etcd;
        sources.push(new EtcdSource({ urls: connection.endpoints, prefix: options.etcdPrefix, ...(tls && { tls }), ...(connection.auth && { auth: connection.auth }) }));
      }
      const dataplane = await resolveDataplane(options.dataplane, "policy-compile agent", ctx, options.nft);
      if (dataplane === "nftables") {
        for (const flag of ["backend", "hookMode"]) {
          if (given(flag)) throw new UsageError(`policy-compile agent: --${flag === "hookMode" ? "hook-mode" : flag} is an iptables setting; the dataplane is nftables`);
        }
      }
      const nftFor = (ipVersion: 4 | 6) => nftablesKernel(new NftDataplane({ ipVersion, ...(options.nft !== undefined && { nft: options.nft }) }));
      const log = jsonLinesLogger((line) => ctx.io.stdout(line));
      const statusFile = options.statusFile;
      let writing = Promise.resolve();
      const writeStatus = (status: AgentStatus): void => {
        if (!statusFile) return;
        // Atomic (temp file + rename), and one write at a time, so a reader never sees half a file.
        writing = writing
          .then(() => writeFile(`${statusFile}.tmp`, `${JSON.stringify(status, null, 2)}\n`))
          .then(() => rename(`${statusFile}.tmp`, statusFile))
          .catch((e: unknown) => log({ level: "warn", event: "status-file", message: e instanceof Error ? e.message : String(e) }));
      };
      // Set once the daemon exists; the metrics read its status and health at each scrape.
      let daemonRef: AgentDaemon | null = null;
      const metrics = metricsPort === undefined ? undefined : new AgentMetrics(() => (daemonRef as AgentDaemon).status(), () => (daemonRef as AgentDaemon).health());
      const engine = new AgentEngine({ node: options.node, compile: { node: options.node, endpointToHostAction: options.endpointToHostAction, ...(failsafe && { failsafe }) } });
      const daemon = new AgentDaemon({
        node: options.node,
        engine,
        ...(dataplane === "nftables" ? { kernel: nftFor(4) } : { diffDirty, dataplane: new Dataplane({ backend: options.backend, hookMode: options.hookMode }) }),
        sources,
        log,
        batchMs,
        resyncMs,
        hookMode: options.hookMode,
        pipeline: options.pipeline === true,
        onStatus: writeStatus,
        hostInterfaces,
        allowEmptyNode: options.allowEmptyNode === true,
        ...(metrics && { observer: metrics }),
        ...(options.ipv6 === "auto" && {
          ipv6:
            dataplane === "nftables"
              ? { family: new Ipv6Family(), kernel: nftFor(6) }
              : { family: new Ipv6Family(), dataplane: new Dataplane({ backend: options.backend, hookMode: options.hookMode, ipVersion: 6 }) },
        }),
      });
      daemonRef = daemon;
      const servers: Listening[] = [];
      const stopServers = () => Promise.all(servers.map((s) => s.close()));
      try {
        if (metrics && metricsPort !== undefined) {
          const s = await listen("--metrics-port", options.metricsHost, metricsPort, {
            "/metrics": async () => ({ status: 200, ...(await metrics.scrape()) }),
          });
          servers.push(s);
          log({ level: "info", event: "listening", endpoint: "metrics", host: s.host, port: s.port, paths: ["/metrics"] });
        }
        if (healthPort !== undefined) {
          const answer = (good: (h: ReturnType<AgentDaemon["health"]>) => boolean) => () => {
            const h = daemon.health();
            return { status: good(h) ? 200 : 503, contentType: "text/plain; charset=utf-8", body: healthTable(h) };
          };
          const s = await listen("--health-port", options.healthHost, healthPort, { "/liveness": answer((h) => h.live), "/readiness": answer((h) => h.ready) });
          servers.push(s);
          log({ level: "info", event: "listening", endpoint: "health", host: s.host, port: s.port, paths: ["/liveness", "/readiness"] });
        }
      } catch (e) {
        await stopServers();
        throw e;
      }
      const stopped = new Promise<string>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      const onUsr1 = (): void => {
        const status = daemon.status();
        log({ level: "info", event: "status", status });
        writeStatus(status);
      };
      process.on("SIGUSR1", onUsr1);
      try {
        await daemon.start();
        const signal = await stopped;
        log({ level: "info", event: "stopping", signal });
        await daemon.stop();
        writeStatus(daemon.status());
        await writing;
      } finally {
        process.off("SIGUSR1", onUsr1);
        await stopServers();
      }
    });
};
