import { reviewPage } from "./matrix-html.bench.js";
reviewPage(100_000);
