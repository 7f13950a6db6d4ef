// The SageMaker API's answers that the runner and its view tell apart: a name taken, a job not
// found, a request refused as invalid.
const errorName = (err: unknown): string | undefined => (err as { name?: string } | undefined)?.name;
const errorMessage = (err: unknown): string => (err as { message?: string } | undefined)?.message ?? '';

export const isValidation = (err: unknown) => errorName(err) === 'ValidationException';

export function isAlreadyExists(err: unknown): boolean {
  const name = errorName(err);
  return name === 'ResourceInUse' || (isValidation(err) && /already exists|must be unique/i.test(errorMessage(err)));
}

export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFound' || (isValidation(err) && /could not find|not found|does not exist/i.test(errorMessage(err)));
}
