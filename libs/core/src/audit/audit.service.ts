import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { Actor, boundCollectionIds, CallerContext } from '../access/actor';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { AuditEntry, AuditRepository } from './audit.repository';
import { AuditQuery } from './audit.inputs';

export type AuditEvent = Omit<AuditEntry, 'keyId' | 'clientIp' | 'requestId'>;
/** What an audit entry is about (action, collection, person); its outcome is recorded when known. */
export type AuditSubject = Omit<AuditEvent, 'outcome'>;

/**
 * Writes the audit trail: who (key, client address, request id) did what to whom, and how it went. Never an image
 * and never an embedding: only ids, names, scores and error codes. A failed write is logged and does not fail the
 * request (the service stays usable if the log table has a problem).
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly audit: AuditRepository) {}

  /** A page of events, newest first. A key bound to collections sees only the events of those collections. */
  async list(query: AuditQuery, caller: CallerContext) {
    const collectionIds = boundCollectionIds(caller);
    if (collectionIds && query.collection && !caller.collections.includes(query.collection)) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const filter = { ...query, collectionIds };
    const { rows, more } = await this.audit.list(filter, limit, query.cursor ? decodeCursor(query.cursor) : undefined);
    const last = rows[rows.length - 1];
    // details holds what record() wrote: always an object.
    const items = rows.map((row) => ({ ...row, details: row.details as Record<string, unknown> }));
    return { items, nextCursor: more && last ? encodeCursor(last) : null };
  }

  async record(caller: Actor | null, event: AuditEvent): Promise<void> {
    try {
      await this.audit.insert({ ...event, keyId: caller?.keyId ?? null, clientIp: caller?.clientIp ?? null, requestId: caller?.requestId ?? null });
    } catch (error) {
      this.logger.error(`audit write failed for ${event.action} (request ${caller?.requestId}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Runs `work` and records only a refusal (its error code), then rethrows: for the checks a request makes before its
   * audited work starts, whose success the work's own entry records.
   */
  async refusalAudited<T>(caller: Actor, subject: AuditSubject, work: () => T | Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.record(caller, { ...subject, outcome: error instanceof DomainError ? error.code : 'INTERNAL_ERROR' });
      throw error;
    }
  }

  /**
   * Runs `work` and records its outcome: "success" plus what `describe` adds, or the error code it failed with
   * (then rethrows). The subject may be refined by the work itself through `subject` (e.g. the new user's id).
   */
  async audited<T>(
    caller: Actor,
    subject: AuditSubject,
    work: (subject: AuditSubject) => Promise<T>,
    describe?: (result: T) => Partial<AuditEvent>,
  ): Promise<T> {
    const live = { ...subject };
    try {
      const result = await work(live);
      await this.record(caller, { ...live, outcome: 'success', ...describe?.(result) });
      return result;
    } catch (error) {
      await this.record(caller, { ...live, outcome: error instanceof DomainError ? error.code : 'INTERNAL_ERROR' });
      throw error;
    }
  }
}
