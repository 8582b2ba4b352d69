// The settings a run takes when nothing names them (medeval run's flags; a sweep's settings).
import type { ShotFormat } from "../prompts/fewshot.ts";
import type { PromptStyle } from "../prompts/templates.ts";
import type { SelectMethod } from "../traces/select.ts";
import type { ScoringMode, Setting } from "../types.ts";

export const DEFAULT_SETTING: Setting = "zero-shot";
export const DEFAULT_PROMPT_STYLE: PromptStyle = "cot";
export const DEFAULT_SCORING: ScoringMode = "generative";
export const DEFAULT_SHOTS = 3;
export const DEFAULT_SELECT: SelectMethod = "bm25";
export { DEFAULT_SEED } from "../stats/bootstrap.ts";
export const DEFAULT_FEWSHOT_FORMAT: ShotFormat = "multi-turn";
