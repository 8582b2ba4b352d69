// The leakage guard's question rule (guard.ts) over a whole set of questions at once: which of
// a task's test questions a pool question is, or nearly is. Comparing every pool question with
// every test question (10k × 1.3k) is too slow, so the test questions are put in an inverted
// index by prefix filtering: both ways the rule calls two questions near duplicates (Jaccard
// >= t, or containment of the test question's tokens >= t) need at least k = ceil(t·|T|) of
// the test question's |T| tokens in the pool question, so the pool question must hold one of
// the test question's |T| - k + 1 rarest tokens. Only test questions sharing such a token are
// compared, by the guard's own rule on their token counts.
import { NEAR_DUPLICATE_JACCARD, nearDuplicate, normalizedQuestion } from "./guard.ts";

export type QuestionLeak = "same_question" | "near_duplicate";

/** Below the threshold by float rounding only (0.8 × 15 = 12.000000000000002) still counts as reached. */
const EPSILON = 1e-9;

export class QuestionIndex {
  private readonly exact = new Set<string>();
  /** Each question's tokens as ids into `tokenIds`. */
  private readonly tokens: Uint32Array[] = [];
  private readonly tokenIds = new Map<string, number>();
  /** Each question's least number of tokens shared with a near duplicate: ceil(t·|T|). */
  private readonly needed: number[] = [];
  /** token id → the questions whose prefix (rarest tokens) holds it. */
  private readonly postings = new Map<number, number[]>();
  /** stamp[token id] === query number: the token is in the question being matched. */
  private readonly stamp: Uint32Array;
  /** visited[question] === query number: already compared with the question being matched. */
  private readonly visited: Uint32Array;
  private queries = 0;

  constructor(
    questions: readonly string[],
    private readonly threshold = NEAR_DUPLICATE_JACCARD,
  ) {
    const normalized = questions.map(normalizedQuestion);
    const frequency: number[] = [];
    for (const q of normalized) {
      this.exact.add(q.norm);
      this.tokens.push(
        Uint32Array.from(q.tokens, (token) => {
          let id = this.tokenIds.get(token);
          if (id === undefined) this.tokenIds.set(token, (id = this.tokenIds.size));
          frequency[id] = (frequency[id] ?? 0) + 1;
          return id;
        }),
      );
    }
    this.stamp = new Uint32Array(this.tokenIds.size);
    this.visited = new Uint32Array(this.tokens.length);
    // One fixed order of tokens for every question: rarest first, ties by id.
    const rarer = (a: number, b: number) => frequency[a] - frequency[b] || a - b;
    this.tokens.forEach((ids, i) => {
      const sorted = [...ids].sort(rarer);
      const needed = Math.ceil(threshold * sorted.length - EPSILON);
      this.needed.push(needed);
      for (const id of sorted.slice(0, sorted.length - needed + 1)) {
        const list = this.postings.get(id);
        if (list) list.push(i);
        else this.postings.set(id, [i]);
      }
    });
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Whether `question` is one of the indexed questions (normalised text equal) or a near duplicate of one, by the leakage guard's rule. */
  match(question: string): QuestionLeak | null {
    const q = normalizedQuestion(question);
    if (this.exact.has(q.norm)) return "same_question";
    const mark = ++this.queries;
    const known: number[] = [];
    for (const token of q.tokens) {
      const id = this.tokenIds.get(token);
      if (id === undefined) continue;
      this.stamp[id] = mark;
      known.push(id);
    }
    for (const id of known) {
      for (const i of this.postings.get(id) ?? []) {
        if (this.visited[i] === mark) continue;
        this.visited[i] = mark;
        const shared = this.shared(i, mark);
        if (shared >= this.needed[i] && nearDuplicate(this.tokens[i].length, q.tokens.size, shared, this.threshold)) return "near_duplicate";
      }
    }
    return null;
  }

  /** Tokens question i shares with the stamped one; as soon as too many are missing to reach needed[i], a count below it. */
  private shared(i: number, mark: number): number {
    const tokens = this.tokens[i];
    const allowed = tokens.length - this.needed[i];
    let missing = 0;
    for (const t of tokens) if (this.stamp[t] !== mark && ++missing > allowed) return 0;
    return tokens.length - missing;
  }
}
