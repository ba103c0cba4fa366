/** A decision log that is not there (yet): bad input for a command, not a fault. */
export class LogNotFoundError extends Error {
  override name = 'LogNotFoundError';
}
