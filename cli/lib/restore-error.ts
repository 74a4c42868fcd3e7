/** A restore refused or failed for a reason the user can act on (the message says which). */
export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreError";
  }
}
