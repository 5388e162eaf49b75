import { AppError } from "../../server/errors";

/** Awaits a promise that must reject with an AppError and returns it, so a test can check its code and field. */
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}
