/**
 * The railroad diagram of the selector grammar, generated from the chevrotain parser itself so
 * that it cannot drift from what is parsed. `npm run grammar` writes it to
 * grammar/selector-diagram.html; a test fails when the committed file is stale.
 */
import { createSyntaxDiagramsCode } from "chevrotain";
import { serializedSelectorGrammar } from "./parser.js";

export function selectorDiagramHtml(): string {
  return createSyntaxDiagramsCode(serializedSelectorGrammar());
}
