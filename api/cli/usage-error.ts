/** A command line `bing` cannot read; `usage` is the help of the command it concerns. */
export class UsageError extends Error {
  constructor(message: string, readonly usage = '') {
    super(message);
  }
}
