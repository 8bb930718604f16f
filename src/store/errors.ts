// Errors a store raises, typed so the server can map them to gRPC status codes.
import { StigmerError } from "../errors.ts";

export class StoreError extends StigmerError {}

/** The thing asked for does not exist (gRPC NOT_FOUND). */
export class NotFoundError extends StoreError {}

/** The caller passed something the store cannot accept (gRPC INVALID_ARGUMENT). */
export class InvalidInputError extends StoreError {}

/** A reference of the batch that names nothing: input and reference are indexes. */
export interface MissingReference {
  input: number;
  reference: number;
  kind: string;
  name: string;
}

/** References that name no resource once the batch is applied (gRPC FAILED_PRECONDITION). */
export class MissingReferencesError extends StoreError {
  constructor(readonly missing: MissingReference[]) {
    super(
      missing.map((m) =>
        `resource ${m.input + 1} refers to ${m.kind} "${m.name}", which does not exist`
      )
        .join("; "),
    );
  }
}
/** The input clashes with what is stored, e.g. another name with the same slug (ALREADY_EXISTS). */
export class ConflictError extends StoreError {}
