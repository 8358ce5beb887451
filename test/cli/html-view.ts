/** Reading an html page's embedded view back, the way the page's own script reads it. */
import type { MatrixView } from "../../src/trace/index.js";

export function embeddedView(html: string): MatrixView {
  const m = /<script type="application\/json" id="matrix-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no embedded view");
  return JSON.parse(m[1] as string) as MatrixView;
}
