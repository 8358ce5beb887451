import { parseSelector, SelectorSyntaxError } from "../../src/selector/index.js";

/** The error `text` is rejected with; fails the test if it is accepted or fails otherwise. */
export function syntaxError(text: string): SelectorSyntaxError {
  try {
    parseSelector(text);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}
