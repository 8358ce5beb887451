import { reviewPage } from "./matrix-html.bench.js";
reviewPage(Number(process.env.PODS ?? 100_000));
