import { describe, expect, it } from "vitest";
import { splitThink } from "../../harness/scoring/think.ts";

describe("splitThink", () => {
  it("strips a closed block and keeps its text as reasoning", () => {
    expect(splitThink("<think>Weigh A against C.</think>\n\nAnswer: C", null)).toEqual({
      answerText: "Answer: C",
      reasoning: "Weigh A against C.",
      truncated: false,
    });
  });

  it("treats an unclosed block as truncated and reads nothing after it", () => {
    const split = splitThink("<think>The answer is B because", null);
    expect(split.truncated).toBe(true);
    expect(split.answerText).toBe("");
    expect(split.reasoning).toBe("The answer is B because");
  });

  it("keeps text before an unclosed block but still reports truncation", () => {
    const split = splitThink("Sure.\n<think>Answer: B maybe", null);
    expect(split).toMatchObject({ truncated: true, answerText: "Sure." });
  });

  it("handles an empty block", () => {
    expect(splitThink("<think></think>Answer: A", null)).toEqual({ answerText: "Answer: A", reasoning: null, truncated: false });
    expect(splitThink("<think>\n\n</think>\n\nAnswer: A", null).answerText).toBe("Answer: A");
  });

  it("reads a closing tag with no opening one as the end of template-opened thinking", () => {
    const split = splitThink("Let me think. Option B fits.\n</think>\n\nAnswer: D", null);
    expect(split).toEqual({ answerText: "Answer: D", reasoning: "Let me think. Option B fits.", truncated: false });
  });

  it("removes several blocks and keeps text before, between and after them", () => {
    const split = splitThink("Intro <think>one</think> middle <think>two</think> Answer: B", null);
    expect(split.answerText).toBe("Intro  middle  Answer: B");
    expect(split.reasoning).toBe("one\n\ntwo");
    expect(split.truncated).toBe(false);
  });

  it("a stray closing tag after closed blocks ends the thinking there", () => {
    const split = splitThink("<think>a</think> still thinking </think>Answer: C", null);
    expect(split.answerText).toBe("Answer: C");
    expect(split.reasoning).toBe("a\n\nstill thinking");
  });

  it("joins a separate reasoning field with thinking found in the content", () => {
    const split = splitThink("<think>second</think>Answer: A", "first");
    expect(split.reasoning).toBe("first\n\nsecond");
    expect(split.answerText).toBe("Answer: A");
  });

  it("never reads the reasoning field, even when it holds tags or an answer", () => {
    const split = splitThink("Answer: B", "<think>Answer: A</think>");
    expect(split.answerText).toBe("Answer: B");
    expect(split.truncated).toBe(false);
  });

  it("accepts null content and is case-insensitive about tags", () => {
    expect(splitThink(null, "all reasoning")).toEqual({ answerText: "", reasoning: "all reasoning", truncated: false });
    expect(splitThink("<THINK>x</THINK>Answer: A", null).answerText).toBe("Answer: A");
  });

  it("leaves content without tags alone", () => {
    expect(splitThink("  The answer is (B).  ", null)).toEqual({ answerText: "The answer is (B).", reasoning: null, truncated: false });
  });
});
