import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { EMBEDDING_DIMENSIONS } from '@facegate/database';
import {
  Actor,
  APP_CONFIG,
  AppConfig,
  AuditService,
  CollectionsService,
  duplicateExternalId,
  EMBEDDING_MODEL_ID,
  ExternalIdTakenError,
  ExtractedFace,
  UsersRepository,
} from '@facegate/core';
import { collectionDto, CollectionSpec, ensureCollection } from '../collection-provisioner';
import { ProgressReporter } from '../progress/progress-reporter';
import { decodeHeader, decodePerson, ExportHeader, LineError, PersonLine } from './jsonl-codec';
import { readLines } from './line-reader';
import { TransferRepository } from './transfer.repository';

export type ConflictRule = 'fail' | 'skip';

export interface ImportSummary {
  people: number;
  imported: number;
  skipped: number;
  faces: number;
  createdCollections: string[];
}

/** The file cannot be imported; nothing was written. `problems` are per line, at most MAX_PROBLEMS of them. */
export class ImportRefusedError extends Error {
  constructor(
    readonly problems: string[],
    readonly total: number,
  ) {
    super(`import refused, nothing was written: ${total} problem${total === 1 ? '' : 's'}`);
    this.name = 'ImportRefusedError';
  }
}

const MAX_PROBLEMS = 20;
/** externalIds checked against the database per query. */
const CONFLICT_BATCH = 500;

/**
 * Two passes over the file. The first validates every line (header model, shape, dimensions, finite numbers, unit
 * norm, duplicates within the file), every collection the import may create (the API's CreateCollectionDto rules)
 * and, with --on-conflict fail, looks for externalIds that already exist: any problem refuses the whole file before a
 * single write. The second stores each person in its own transaction
 * (UsersRepository.createWithFaces, embeddings through FaceVectorRepository), so an interrupted import leaves whole
 * people only, and re-running it with --on-conflict skip completes it.
 */
@Injectable()
export class ImportCommand {
  constructor(
    private readonly users: UsersRepository,
    private readonly transfer: TransferRepository,
    private readonly collections: CollectionsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(file: string, options: { collection?: string; onConflict: ConflictRule }, caller: Actor, progress: ProgressReporter): Promise<ImportSummary> {
    const { header, people } = await this.validate(file, options);
    const summary: ImportSummary = { people, imported: 0, skipped: 0, faces: 0, createdCollections: [] };
    const collectionIds = new Map<string, string>();
    let done = 0;
    for await (const { text, line } of readLines(file)) {
      if (line === 1 || text.trim() === '') continue;
      const person = decodePerson(text, line, this.limits());
      const target = options.collection ?? person.collection;
      const collectionId = collectionIds.get(target) ?? (await this.prepareCollection(target, header, caller, summary, collectionIds));
      const stored = await this.store(person, collectionId, target, options.onConflict, caller);
      if (stored) {
        summary.imported += 1;
        summary.faces += person.faces.length;
      } else summary.skipped += 1;
      done += 1;
      if (progress.interactive) progress.working(done, people, person.externalId ?? person.name);
      else if (done % 1000 === 0 || done === people) progress.note(`[${done}/${people}] ${summary.imported} imported, ${summary.skipped} skipped`);
    }
    progress.finish();
    return summary;
  }

  private limits() {
    return { dimensions: EMBEDDING_DIMENSIONS, maxFaces: this.config.enrolment.maxFacesPerUser };
  }

  /** Pass one: nothing is written; every problem found is collected (the first MAX_PROBLEMS are reported). */
  private async validate(file: string, options: { collection?: string; onConflict: ConflictRule }): Promise<{ header: ExportHeader; people: number }> {
    const problems: string[] = [];
    let total = 0;
    const report = (message: string) => {
      total += 1;
      if (problems.length < MAX_PROBLEMS) problems.push(message);
    };
    let header: ExportHeader | undefined;
    let people = 0;
    const targets = new Set<string>();
    // Every externalId of the file, per collection, stays in memory: ~100-200 bytes per short id, so 100-200 MB for a
    // million people; fine for files of millions. Larger ones would need an on-disk sort instead.
    const seen = new Map<string, Map<string, number>>();
    const pending = new Map<string, Array<{ externalId: string; line: number }>>();
    for await (const { text, line } of readLines(file)) {
      if (line === 1) {
        header = decodeHeader(text, { model: EMBEDDING_MODEL_ID, dimensions: EMBEDDING_DIMENSIONS });
        continue;
      }
      if (text.trim() === '') continue;
      let person: PersonLine;
      try {
        person = decodePerson(text, line, this.limits());
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        report(error.message);
        continue;
      }
      people += 1;
      const target = options.collection ?? person.collection;
      targets.add(target);
      if (person.externalId === null) continue;
      const inFile = seen.get(target) ?? seen.set(target, new Map()).get(target)!;
      const earlier = inFile.get(person.externalId);
      if (earlier !== undefined) report(`line ${line}: externalId "${person.externalId}" already appears on line ${earlier} for collection "${target}"`);
      inFile.set(person.externalId, line);
      if (options.onConflict === 'fail') {
        const batch = pending.get(target) ?? pending.set(target, []).get(target)!;
        batch.push({ externalId: person.externalId, line });
        if (batch.length >= CONFLICT_BATCH) await this.checkConflicts(target, batch.splice(0), report);
      }
    }
    if (!header) throw new ImportRefusedError(['line 1: the file is empty (no header)'], 1);
    for (const [target, batch] of pending) await this.checkConflicts(target, batch, report);
    await this.checkCollections(header, targets, report);
    if (total > 0) throw new ImportRefusedError(problems, total);
    return { header, people };
  }

  /**
   * Every collection the import may create (the header's, and each person's target) must pass the API's rules now:
   * found only in pass two, bad settings would stop the import after earlier people were stored.
   */
  private async checkCollections(header: ExportHeader, targets: Set<string>, report: (m: string) => void): Promise<void> {
    const names = new Set([...header.collections.map((c) => c.name), ...targets]);
    for (const name of names) {
      try {
        await collectionDto(describedCollection(name, header));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        report(`collection "${name}"${header.collections.some((c) => c.name === name) ? ' (header, line 1)' : ''}: ${error.message}`);
      }
    }
  }

  private async checkConflicts(target: string, batch: Array<{ externalId: string; line: number }>, report: (m: string) => void): Promise<void> {
    const collection = await this.transfer.findCollection(target);
    if (!collection) return;
    const existing = await this.transfer.existingExternalIds(
      collection.id,
      batch.map((b) => b.externalId),
    );
    for (const b of batch) {
      if (existing.has(b.externalId))
        report(`line ${b.line}: externalId "${b.externalId}" already exists in collection "${target}" (use --on-conflict skip to keep the existing person)`);
    }
  }

  private async prepareCollection(name: string, header: ExportHeader, caller: Actor, summary: ImportSummary, ids: Map<string, string>): Promise<string> {
    if (await ensureCollection(this.collections, caller, describedCollection(name, header))) summary.createdCollections.push(name);
    const collection = await this.transfer.findCollection(name);
    if (!collection) throw new DomainError('COLLECTION_NOT_FOUND', `No collection "${name}".`);
    ids.set(name, collection.id);
    return collection.id;
  }

  /** One person, one transaction. False when skipped because the externalId exists. */
  private async store(person: PersonLine, collectionId: string, collection: string, onConflict: ConflictRule, caller: Actor): Promise<boolean> {
    if (person.externalId !== null && (await this.users.findByExternalId(collectionId, person.externalId))) {
      if (onConflict === 'skip') return false;
      throw duplicateExternalId(person.externalId, collection);
    }
    const faces: ExtractedFace[] = person.faces.map((f) => ({
      embedding: Float32Array.from(f.embedding),
      box: f.box,
      score: f.score,
      quality: f.quality as unknown as ExtractedFace['quality'],
    }));
    try {
      const user = await this.users.createWithFaces({
        collectionId,
        name: person.name,
        externalId: person.externalId ?? undefined,
        metadata: person.metadata,
        faces,
      });
      await this.audit.record(caller, { action: 'import', collection, userId: user.id, outcome: 'success', details: { faces: faces.length } });
      return true;
    } catch (error) {
      if (!(error instanceof ExternalIdTakenError)) throw error;
      if (onConflict === 'skip') return false;
      throw duplicateExternalId(error.externalId, collection);
    }
  }
}

/** How a collection the import creates is described: by the header if it lists it, else by its name alone. */
function describedCollection(name: string, header: ExportHeader): CollectionSpec {
  return header.collections.find((c) => c.name === name) ?? { name };
}
