// The task room's public API: the registry, the TaskSpec shapes and item loading.
export { DEFAULT_TASKS_DIR, LOCAL_TASKS_FOLDER, loadRegistry, localTasksDir, type TaskRegistry } from "./registry.ts";
export { itemsHash, loadItems, type LoadItemsOptions, type LoadedItems } from "./load-items.ts";
export type {
  AnswerEncoding,
  Domain,
  FieldMap,
  HubSourceSpec,
  LocalSourceSpec,
  OptionsMap,
  RowFilter,
  SourceSpec,
  Split,
  TaskSpec,
} from "./task-spec.ts";
