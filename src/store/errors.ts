// Errors a store raises, typed so the server can map them to gRPC status codes.
import { StigmerError } from "../errors.ts";

export class StoreError extends StigmerError {}

/** The thing asked for does not exist (gRPC NOT_FOUND). */
export class NotFoundError extends StoreError {}

/** The caller passed something the store cannot accept (gRPC INVALID_ARGUMENT). */
export class InvalidInputError extends StoreError {}

/** The input clashes with what is stored, e.g. another name with the same slug (ALREADY_EXISTS). */
export class ConflictError extends StoreError {}
