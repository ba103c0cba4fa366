/**
 * The base of every error Switchyard throws on purpose, in fastify's way: a stable `code` that callers, the
 * CLI and tests match on, and a message for people. Anything else that reaches the top is a fault.
 */
export class SwitchyardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
