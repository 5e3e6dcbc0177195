import { ERROR_STATUS, ErrorCode, isErrorCode } from './error-codes';

/** Structured, serialisable details (e.g. which photo of an enrolment failed). */
type Scalar = string | number | boolean | null;
export type ErrorDetails = Record<string, Scalar | string[] | Array<Record<string, Scalar>>>;

/**
 * An expected failure with a stable code. Thrown by services and libraries; one global filter maps it to
 * application/problem+json. It is plain data so it can cross a worker-thread boundary.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** Same code and message, with more details (e.g. the index of the photo that failed). */
  withDetails(extra: ErrorDetails): DomainError {
    return new DomainError(this.code, this.message, { ...this.details, ...extra });
  }

  toJSON(): SerializedDomainError {
    return { code: this.code, message: this.message, details: this.details };
  }

  static fromJSON(value: unknown): DomainError | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { code, message, details } = value as Partial<SerializedDomainError>;
    if (!isErrorCode(code)) return undefined;
    return new DomainError(code, String(message ?? code), details ?? {});
  }
}

export interface SerializedDomainError {
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}
