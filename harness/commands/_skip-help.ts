// A start-up cost yargs adds that medeval does not use.

/**
 * yargs renders the whole help text before each command's handler runs (cacheHelpMessage), to
 * print it should the command fail; our .fail never prints help, and the rendering (string
 * widths for every option) costs ~0.15 s of CPU at every start. `--help` renders on its own.
 */
export function skipHelpRendering(parser: object): void {
  const internal = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === "function") usage.cacheHelpMessage = () => {};
}
