/** An expected mistake (bad input, missing setup): shown to the user privately, nothing is logged as an error. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
