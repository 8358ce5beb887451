import { z } from "zod";
const s = z.strictObject({ name: z.string() });
const v = JSON.parse('{"name":"a","__proto__":{"x":1}}');
console.log(s.safeParse(v).error?.issues, Object.keys(v));
