import { describe, expect, it } from "vitest";
import { extractAnswer, splitThink } from "../../harness/scoring/extract.ts";

const FOUR = ["Aspirin", "Heparin", "Warfarin", "Dabigatran"];

function read(content: string, lang = "en"): { status: string; letter: string | null; said: string | null } {
  const x = extractAnswer({ content, options: FOUR, lang });
  const text = splitThink(content, null).answerText;
  return { status: x.status, letter: x.letter, said: x.span ? text.slice(x.span.start, x.span.end) : null };
}

describe("extraction span: where the answer was read", () => {
  it("covers the strict answer line, not what follows it", () => {
    expect(read("Reasoning about B first.\nAnswer: C\nNote: B is tempting.")).toEqual({ status: "strict", letter: "C", said: "Answer: C" });
    expect(read("Ragionamento.\nRisposta: D", "it")).toEqual({ status: "strict", letter: "D", said: "Risposta: D" });
  });

  it("covers a lenient cue and its letter, after a think block", () => {
    const r = read("<think>maybe A</think>Given the INR, the answer is (B) because of renal function.");
    expect(r.status).toBe("lenient");
    expect(r.letter).toBe("B");
    expect(r.said).toMatch(/answer is \(B\)$/);
  });

  it("covers the statement naming an option by its words", () => {
    const r = read("The patient has AF and CKD. Therefore the answer is Dabigatran.");
    expect(r.status).toBe("option_text");
    expect(r.letter).toBe("D");
    expect(r.said).toContain("Dabigatran");
  });

  it("covers a lone letter on the last line", () => {
    expect(read("Long discussion of anticoagulants.\n\nC")).toEqual({ status: "lenient", letter: "C", said: "C" });
  });

  it("is absent when nothing was chosen", () => {
    expect(read("I am not sure, it could be B or D.").said).toBeNull();
    expect(extractAnswer({ content: "Answer: B", options: FOUR, lang: "en", finishReason: "length" }).span).toBeUndefined();
  });
});
