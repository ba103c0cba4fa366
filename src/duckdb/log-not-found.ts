import { SwitchyardError } from '../engine/errors.js';

/** A decision log that is not there (yet): bad input for a command, not a fault. */
export class LogNotFoundError extends SwitchyardError {
  constructor(message: string) {
    super('log_not_found', message);
  }
}
