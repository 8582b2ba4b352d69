// Logprob scoring as pure functions, on hand-made responses whose sums are worked by hand.
import { describe, expect, it } from "vitest";
import {
  argmax,
  continuationLogprob,
  promptOffset,
  letterOfToken,
  LogprobShapeError,
  scoreFirstToken,
  scoreMultipleChoice,
  type EchoLogprobs,
} from "../../harness/scoring/logprob.ts";

/** Build an echo logprobs object from [token, logprob] pairs, offsets from the token lengths (code points). */
function echo(pairs: Array<[string, number | null]>): EchoLogprobs {
  let at = 0;
  const text_offset: number[] = [];
  for (const [token] of pairs) {
    text_offset.push(at);
    at += [...token].length;
  }
  return { tokens: pairs.map((p) => p[0]), token_logprobs: pairs.map((p) => p[1]), text_offset };
}

describe("continuationLogprob", () => {
  it("sums the continuation's tokens, skipping the null first token and the generated last one", () => {
    const lp = echo([["Answer", null], [":", -0.5], [" B", -1.25], [" because", -3]]);
    expect(continuationLogprob(lp, "Answer:", " B")).toEqual({ logprob: -1.25, tokens: 1, clamped: false, straddled: false });
  });

  it("sums every token of a multi-token continuation", () => {
    // " Beta blockers" = " Beta" + " block" + "ers": -2 - 0.5 - 0.25 = -2.75; "\n" is generated.
    const lp = echo([["Answer", null], [":", -0.1], [" Beta", -2], [" block", -0.5], ["ers", -0.25], ["\n", -7]]);
    expect(continuationLogprob(lp, "Answer:", " Beta blockers")).toEqual({ logprob: -2.75, tokens: 3, clamped: false, straddled: false });
  });

  it("includes a token that straddles the prompt/continuation boundary, and says so", () => {
    // "The answer" + "s are": the tokenizer made " answers", which starts inside the prompt.
    const lp = echo([["The", null], [" answers", -4], [" are", -1], [".", -2]]);
    expect(continuationLogprob(lp, "The answer", "s are")).toEqual({ logprob: -5, tokens: 2, clamped: false, straddled: true });
  });

  it("keeps clamped −9999 values as they are and flags them", () => {
    const lp = echo([["Answer", null], [":", -0.5], [" D", -9999], ["x", -1]]);
    expect(continuationLogprob(lp, "Answer:", " D")).toEqual({ logprob: -9999, tokens: 1, clamped: true, straddled: false });
  });

  it("works when no generated token came back", () => {
    const lp = echo([["Answer", null], [":", -0.5], [" C", -0.75]]);
    expect(continuationLogprob(lp, "Answer:", " C").logprob).toBe(-0.75);
  });

  it("counts offsets in code points, as vLLM (Python) does", () => {
    // "😀" is one code point but two UTF-16 units: a UTF-16 boundary would be off by one.
    const lp = { tokens: ["😀", ":", " A", "!"], token_logprobs: [null, -1, -0.25, -5], text_offset: [0, 1, 2, 4] };
    expect(continuationLogprob(lp, "😀:", " A").logprob).toBe(-0.25);
  });

  it("finds the prompt after a BOS token that vLLM counts in text_offset but leaves out of text", () => {
    // vLLM: text = prompt + generated (no BOS); tokens start with the decoded BOS, offsets count it.
    const bos = "<|begin_of_text|>";
    const lp = {
      tokens: [bos, "Answer", ":", " B", " x"],
      token_logprobs: [null, -3, -0.5, -1.5, -2],
      text_offset: [0, 17, 23, 24, 26],
    };
    expect(promptOffset(lp, "Answer: B")).toBe(bos.length);
    expect(continuationLogprob(lp, "Answer:", " B", promptOffset(lp, "Answer: B"))).toMatchObject({ logprob: -1.5, straddled: false });
    // Without a BOS the prompt starts at 0.
    const plain = { tokens: ["Answer", ":", " B", " x"], token_logprobs: [null, -0.5, -1.5, -2], text_offset: [0, 6, 7, 9] };
    expect(promptOffset(plain, "Answer: B")).toBe(0);
  });

  it("anchors the prompt at the generated token when the tokens do not spell it out", () => {
    // "ñ" split over two byte tokens, each decoded as U+FFFD: every later offset is one too far.
    const lp = {
      tokens: ["<s>", "Espa", "\uFFFD", "\uFFFD", "a:", " B", " x"],
      token_logprobs: [null, -1, -1, -1, -0.5, -1.25, -2],
      text_offset: [0, 3, 7, 8, 9, 11, 13],
    };
    const prompt = "España: B";
    expect(promptOffset(lp, prompt)).toBe(13 - 9);
    expect(continuationLogprob(lp, "España:", " B", promptOffset(lp, prompt))).toMatchObject({ logprob: -1.25, tokens: 1, straddled: false });
  });

  it("refuses to score tokens whose offsets do not spell the continuation, instead of summing other tokens", () => {
    // vllm serve --return-tokens-as-token-ids: offsets count "token_id:…" strings.
    const ids = { tokens: ["token_id:1", "token_id:2", "token_id:3", "token_id:4"], token_logprobs: [null, -1, -2, -3], text_offset: [0, 10, 20, 30] };
    expect(() => continuationLogprob(ids, "Answer:", " B", promptOffset(ids, "Answer: B"))).toThrow(/do not match the text/);
    // A split character inside the continuation itself.
    const split = { tokens: ["Answer", ":", " Espa", "\uFFFD", "\uFFFD", "a", "!"], token_logprobs: [null, -1, -1, -1, -1, -1, -1], text_offset: [0, 6, 7, 12, 13, 14, 15] };
    expect(() => continuationLogprob(split, "Answer:", " España", promptOffset(split, "Answer: España"))).toThrow(/do not match the text/);
  });

  it("refuses to sum the null first token (an empty context)", () => {
    const lp = echo([[" A", null], ["!", -1]]);
    expect(() => continuationLogprob(lp, "", " A")).toThrow(/first token.*no logprob/);
  });

  it("recognises a response without the echoed prompt", () => {
    const lp = { tokens: [" A"], token_logprobs: [-0.3], text_offset: [7] };
    try {
      continuationLogprob(lp, "Answer:", " A");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LogprobShapeError);
      expect((err as LogprobShapeError).reason).toBe("no_echo");
    }
  });

  it("rejects lists of different lengths", () => {
    const lp = { tokens: ["Answer", ":"], token_logprobs: [null], text_offset: [0, 6] };
    expect(() => continuationLogprob(lp, "Answer", ":")).toThrow(/differ in length/);
  });
});

describe("scoreMultipleChoice (lm-evaluation-harness acc / acc_norm / acc_bytes)", () => {
  it("takes the first maximum on ties, like numpy's argmax", () => {
    expect(argmax([-1.2, -0.7, -3, -0.7])).toBe(1);
    const s = scoreMultipleChoice([-1.2, -0.7, -3, -0.7], ["A", "B", "C", "D"]);
    expect(s).toMatchObject({ acc: 1, acc_norm: 1, acc_bytes: 1, lengths_chars: [1, 1, 1, 1] });
  });

  it("normalises by the choice's length in characters for acc_norm", () => {
    // acc: -2 > -3 → Aspirin. acc_norm: -2/7 = -0.286 < -3/13 = -0.231 → Beta blockers.
    const s = scoreMultipleChoice([-2, -3], ["Aspirin", "Beta blockers"]);
    expect(s).toMatchObject({ acc: 0, acc_norm: 1, acc_bytes: 1, lengths_chars: [7, 13], lengths_bytes: [7, 13] });
  });

  it("measures bytes in UTF-8 for acc_bytes, characters for acc_norm", () => {
    // "ééé": 3 chars, 6 bytes; "abcd": 4 and 4. chars: -3/3 = -1 < -3.6/4 = -0.9 → 1;
    // bytes: -3/6 = -0.5 > -0.9 → 0.
    const s = scoreMultipleChoice([-3, -3.6], ["ééé", "abcd"]);
    expect(s).toMatchObject({ acc: 0, acc_norm: 1, acc_bytes: 0, lengths_chars: [3, 4], lengths_bytes: [6, 4] });
  });
});

describe("letterOfToken", () => {
  it.each([
    [" B", "B"],
    ["B", "B"],
    ["(B", "B"],
    ["B.", "B"],
    ["B)", "B"],
    ["B:", "B"],
    ["**B", "B"],
    ["\u0120C", "C"],
    ["\u2581D", "D"],
  ])("%j spells %s", (token, letter) => expect(letterOfToken(token)).toBe(letter));

  it.each(["b", " a", "AB", "Answer", "The", "", " ", "(", "1"])("%j is no letter", (token) => expect(letterOfToken(token)).toBeNull());
});

describe("scoreFirstToken", () => {
  it("sums probability over the spellings of each letter", () => {
    const s = scoreFirstToken(
      {
        token: " B",
        logprob: Math.log(0.6),
        top_logprobs: [
          { token: " B", logprob: Math.log(0.6) },
          { token: "(A", logprob: Math.log(0.2) },
          { token: "B", logprob: Math.log(0.1) },
          { token: "The", logprob: Math.log(0.05) },
        ],
      },
      4,
    );
    expect(s.answer).toBe("B");
    expect(s.letter_probs.B).toBeCloseTo(0.7, 12);
    expect(s.letter_probs.A).toBeCloseTo(0.2, 12);
    expect(s.letter_probs.C).toBe(0);
    expect(s.letter_mass).toBeCloseTo(0.9, 12);
    expect(s.generated).toBe(" B");
  });

  it("lets a letter outside the top-1 win when the top token is no letter", () => {
    const s = scoreFirstToken(
      { token: "The", logprob: Math.log(0.5), top_logprobs: [{ token: "The", logprob: Math.log(0.5) }, { token: "C", logprob: Math.log(0.1) }, { token: " A", logprob: Math.log(0.05) }] },
      4,
    );
    expect(s.answer).toBe("C");
    expect(s.letter_mass).toBeCloseTo(0.15, 12);
  });

  it("is unparsed when no option letter is among the tokens", () => {
    const s = scoreFirstToken({ token: "The", logprob: -0.1, top_logprobs: [{ token: "The", logprob: -0.1 }, { token: "Based", logprob: -2.5 }, { token: "a", logprob: -3 }] }, 4);
    expect(s.answer).toBeNull();
    expect(s.letter_mass).toBe(0);
  });

  it("ignores letters beyond the item's options", () => {
    const s = scoreFirstToken({ token: "E", logprob: -0.1, top_logprobs: [{ token: "E", logprob: -0.1 }, { token: "D", logprob: -4 }] }, 4);
    expect(s.answer).toBe("D");
    expect(s.letter_probs).not.toHaveProperty("E");
    expect(s.letter_mass).toBeCloseTo(Math.exp(-4), 12);
  });

  it("counts the generated token when the top list leaves it out, and a repeated string as the two tokens it is", () => {
    // Two token ids decoding to "B" ("▁B" and "B"): both are probability on B.
    const s = scoreFirstToken({ token: "A", logprob: Math.log(0.3), top_logprobs: [{ token: "B", logprob: Math.log(0.25) }, { token: "B", logprob: Math.log(0.25) }] }, 2);
    expect(s.answer).toBe("B");
    expect(s.letter_probs.B).toBeCloseTo(0.5, 12);
    expect(s.letter_probs.A).toBeCloseTo(0.3, 12);
    expect(s.letter_mass).toBeCloseTo(0.8, 12);
  });

  it("flags a clamped letter, whose probability is 0", () => {
    const s = scoreFirstToken({ token: "The", logprob: -0.01, top_logprobs: [{ token: "The", logprob: -0.01 }, { token: "A", logprob: -9999 }] }, 4);
    expect(s.clamped).toBe(true);
    expect(s.answer).toBeNull();
  });
});
