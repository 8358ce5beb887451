/** Shorthands for transcribing upstream e2e cases (labels, selectors, peers, ports). */
import type { LabelSelector } from "../harness/resources.js";

export const NS_NAME = "kubernetes.io/metadata.name";

export const match = (labels: Readonly<Record<string, string>>): LabelSelector => ({ matchLabels: labels });
export const all: LabelSelector = {};
export const emptyMatch: LabelSelector = { matchLabels: {} };
export const podIs = (name: string): LabelSelector => match({ pod: name });
export const nsIs = (name: string): LabelSelector => match({ [NS_NAME]: name });
export const expr = (key: string, operator: "In" | "NotIn" | "Exists" | "DoesNotExist", values?: readonly string[]): LabelSelector => ({
  matchExpressions: [{ key, operator, ...(values !== undefined ? { values } : {}) }],
});

export const tcp = (port: number | string): object => ({ port, protocol: "TCP" });
export const udp = (port: number | string): object => ({ port, protocol: "UDP" });
export const sctp = (port: number | string): object => ({ port, protocol: "SCTP" });
