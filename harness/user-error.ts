// The one error type meant for people, apart from types.ts's schemas so that importing it
// (cli.ts does, for every start) does not load zod.

/** Errors meant for people: printed without a stack trace, exit code 2 unless said otherwise. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UserError";
  }
}
