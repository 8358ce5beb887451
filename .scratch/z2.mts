import { z } from "zod";
const rec = z.preprocess((v, ctx) => { if (typeof v === "object" && v !== null && Object.hasOwn(v, "__proto__")) ctx.addIssue({ code: "custom", message: "proto", path: ["__proto__"], params: { pc: "PC2010", part: "key" } }); return v; }, z.record(z.string(), z.string()).superRefine((l, ctx) => { for (const k of Object.keys(l)) if (k.startsWith("_")) ctx.addIssue({code: "custom", message: "bad " + k, path: [k]}); }));
const s = z.object({ meta: z.object({ labels: rec.optional() }) });
console.log(JSON.stringify(s.safeParse(JSON.parse('{"meta":{"labels":{"__proto__":"x","_b":"y","c":"d"}}}')).error?.issues));
console.log(JSON.stringify(s.safeParse(JSON.parse('{"meta":{"labels":5}}')).error?.issues));
console.log(JSON.stringify(s.safeParse(JSON.parse('{"meta":{}}'))));
