// The SageMaker API's answers that the runner and its view tell apart: a name taken, a job not
// found, a request refused as invalid. ValidationException has no class of its own in the SDK.
import { ResourceInUse, ResourceNotFound, SageMakerServiceException } from '@aws-sdk/client-sagemaker';

export const isValidation = (err: unknown): err is SageMakerServiceException =>
  err instanceof SageMakerServiceException && err.name === 'ValidationException';

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ResourceInUse || (isValidation(err) && /already exists|must be unique/i.test(err.message));
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ResourceNotFound || (isValidation(err) && /could not find|not found|does not exist/i.test(err.message));
}
