/** The review stage: what a policy change does (connectivity, rules, problems) as one ReviewReport. */
export { reviewChange, type ReviewOptions, type ReviewVersion } from "./review.js";
export { HTML_PAIR_LIST_LIMIT, HOSTS, cellPairText, OTHER_NAMESPACES, OUTSIDE, flippedPairText, oneVersionPairText, reviewCellPairs, reviewHtml, reviewMatrixView, type ReviewCellPair, type ReviewViewOptions } from "./html.js";
export { familyText, reviewJson, reviewMarkdown, reviewText, REVIEW_LIMITS } from "./render.js";
export type {
  ChainChange,
  ConnectivityGroup,
  ConnectivitySection,
  FlippedPair,
  IpSetChange,
  NodeRulesChange,
  OneVersionPair,
  ProblemsSection,
  ReviewChange,
  ReviewDecision,
  ReviewDiagnostic,
  ReviewPeer,
  ReviewProtocol,
  ReviewReport,
  ReviewSide,
  ReviewSideVerdict,
  ReviewVerdict,
  RulesSection,
  StagedPending,
} from "./types.js";
