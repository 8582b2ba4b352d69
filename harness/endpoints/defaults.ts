// The endpoint pool's defaults that commands show in --help: a light file, so that a command's
// builder does not load the HTTP client to print them.

/** Retries per request after the first attempt (5xx, 429, timeouts, resets) before it counts as an error. */
export const DEFAULT_MAX_RETRIES = 6;
