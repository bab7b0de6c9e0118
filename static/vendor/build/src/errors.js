/**
 * One error family for everything the browser twin refuses, like crypto/errors.py on the
 * Python side: callers learn that a check failed, never which internal step failed.
 */
export class PledgeCryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PledgeCryptoError';
  }
}
