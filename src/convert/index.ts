/**
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy YAML → ClusterNetworkPolicy YAML (the
 * `policy-compile convert` command). Pure: text in, text and diagnostics out.
 */
export { convertSources } from "./convert.js";
export type { ConvertResult } from "./convert.js";
export { convertSource } from "./stream.js";
export type { CnpName, ConvertedFile } from "./stream.js";
export { BASELINE_PRIORITY, CNP_API_VERSION, CNP_MAX_ITEMS } from "./admin-to-cnp.js";
