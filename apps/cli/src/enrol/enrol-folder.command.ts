import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { Actor, APP_CONFIG, AppConfig, CollectionsService, ExtractedFace, FaceRulesService, UsersRepository, UsersService } from '@facegate/core';
import { ensureCollection } from '../collection-provisioner';
import { ProgressReporter } from '../progress/progress-reporter';
import { TransferRepository } from '../transfer/transfer.repository';
import { PersonFolder, scanPersonFolders } from './person-folders';

/** A photo that was not enrolled: the API's stable error code and its message. */
export interface RejectedPhoto {
  photo: string;
  code: string;
  reason: string;
}

export interface PersonResult {
  externalId: string;
  name: string;
  status: 'enrolled' | 'skipped' | 'failed';
  userId?: string;
  faces: number;
  rejected: RejectedPhoto[];
  /** Why the person failed or was skipped. */
  reason?: string;
}

export interface EnrolReport {
  folder: string;
  collection: string;
  startedAt: string;
  finishedAt: string;
  summary: { people: number; enrolled: number; skipped: number; failed: number; faces: number; rejectedPhotos: number; rejectedByCode: Record<string, number> };
  people: PersonResult[];
}

const MAX_TEXT = 200;
/** Not an API code: a file the tool could not read at all (permissions, vanished). */
const UNREADABLE = 'UNREADABLE_FILE';

export interface EnrolOptions {
  collection: string;
  allowDuplicate: boolean;
  allowMismatch: boolean;
}

/**
 * Enrols a folder of people. Each photo goes through FaceRulesService.forEnrolment on its own, so a bad photo is
 * reported with its code and the person is enrolled with the others; the person is then stored by
 * UsersService.enrolExtracted, in one transaction, under the API's rules (collection, externalId, duplicates).
 *
 * Resume rule: a person whose externalId already exists in the collection is skipped, whatever faces it has. Since a
 * person is stored atomically, an interrupted run never leaves half a person: the next run retries, in full, everyone
 * who is not stored (all photos rejected, an error, or not reached).
 */
@Injectable()
export class EnrolFolderCommand {
  constructor(
    private readonly users: UsersService,
    private readonly usersRepository: UsersRepository,
    private readonly faces: FaceRulesService,
    private readonly collections: CollectionsService,
    private readonly transfer: TransferRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(root: string, options: EnrolOptions, caller: Actor, progress: ProgressReporter): Promise<EnrolReport> {
    const startedAt = new Date().toISOString();
    const scan = scanPersonFolders(root);
    if (scan.looseFiles > 0) progress.note(`ignored ${scan.looseFiles} file(s) directly in ${root}: each person's photos go in a sub-folder named after them`);
    if (await ensureCollection(this.collections, caller, { name: options.collection })) progress.note(`created collection "${options.collection}"`);
    const collection = await this.transfer.findCollection(options.collection);
    if (!collection) throw new DomainError('COLLECTION_NOT_FOUND', `No collection "${options.collection}".`);
    const results: PersonResult[] = [];
    for (const [index, person] of scan.people.entries()) {
      progress.working(index, scan.people.length, person.folder);
      const result = (await this.usersRepository.findByExternalId(collection.id, person.externalId))
        ? { externalId: person.externalId, name: person.name, status: 'skipped' as const, faces: 0, rejected: [], reason: 'already enrolled' }
        : await this.enrolPerson(root, person, options, caller);
      results.push(result);
      progress.personDone(index + 1, scan.people.length, person.folder, {
        status: result.status,
        enrolled: result.faces,
        rejected: result.rejected.length,
        reason: result.reason,
      });
      for (const r of result.rejected) progress.note(`  rejected ${r.photo}: ${r.code} (${r.reason})`);
    }
    progress.finish();
    return { folder: root, collection: options.collection, startedAt, finishedAt: new Date().toISOString(), summary: summarise(results), people: results };
  }

  private async enrolPerson(root: string, person: PersonFolder, options: EnrolOptions, caller: Actor): Promise<PersonResult> {
    const result: PersonResult = { externalId: person.externalId, name: person.name, status: 'failed', faces: 0, rejected: [] };
    if (person.externalId.length > MAX_TEXT) return { ...result, reason: `VALIDATION_FAILED: the folder name is longer than ${MAX_TEXT} characters` };
    const checked = await this.checkPhotos(join(root, person.folder), person);
    let accepted = checked.filter((c): c is { photo: string; face: ExtractedFace } => 'face' in c);
    result.rejected.push(...checked.filter((c): c is { photo: string; rejected: RejectedPhoto } => 'rejected' in c).map((c) => c.rejected));
    const max = this.config.enrolment.maxFacesPerUser;
    for (const extra of accepted.slice(max))
      result.rejected.push({ photo: extra.photo, code: 'TOO_MANY_FACES', reason: `at most ${max} faces per person (FACEGATE_MAX_FACES_PER_USER)` });
    accepted = accepted.slice(0, max);
    // A photo matching someone else (DUPLICATE_FACE), or not matching this person's other photos (FACE_MISMATCH), is
    // dropped and the rest tried again: one photo, not the person.
    while (accepted.length > 0) {
      try {
        const user = await this.users.enrolExtracted(
          {
            name: person.name,
            externalId: person.externalId,
            collection: options.collection,
            allowDuplicate: options.allowDuplicate,
            allowMismatch: options.allowMismatch,
          },
          accepted.map((a) => a.face),
          caller,
        );
        return { ...result, status: 'enrolled', userId: user.id, faces: user.faces.length };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const index = typeof error.details.index === 'number' ? error.details.index : -1;
        if ((error.code === 'DUPLICATE_FACE' || error.code === 'FACE_MISMATCH') && accepted[index]) {
          result.rejected.push({ photo: accepted[index].photo, code: error.code, reason: error.message });
          accepted = accepted.filter((_, i) => i !== index);
          continue;
        }
        if (error.code === 'DUPLICATE_EXTERNAL_ID') return { ...result, status: 'skipped', reason: 'already enrolled' };
        return { ...result, reason: `${error.code}: ${error.message}` };
      }
    }
    return { ...result, reason: person.photos.length === 0 ? 'no photos in the folder' : 'no photo passed' };
  }

  /** Every photo analysed on its own, as many at a time as the engine has workers. */
  private async checkPhotos(dir: string, person: PersonFolder) {
    const check = async (file: string): Promise<{ photo: string; face: ExtractedFace } | { photo: string; rejected: RejectedPhoto }> => {
      const photo = `${person.folder}/${file}`;
      let bytes: Buffer;
      try {
        bytes = await readFile(join(dir, file));
      } catch (error) {
        return { photo, rejected: { photo, code: UNREADABLE, reason: (error as Error).message } };
      }
      try {
        return { photo, face: await this.faces.forEnrolment(bytes) };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { photo, rejected: { photo, code: error.code, reason: error.message } };
      }
    };
    return mapLimit(person.photos, this.config.engine.poolSize, check);
  }
}

/** Results in input order, at most `limit` running at once. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

function summarise(people: PersonResult[]): EnrolReport['summary'] {
  const rejectedByCode: Record<string, number> = {};
  for (const r of people.flatMap((p) => p.rejected)) rejectedByCode[r.code] = (rejectedByCode[r.code] ?? 0) + 1;
  const count = (status: PersonResult['status']) => people.filter((p) => p.status === status).length;
  return {
    people: people.length,
    enrolled: count('enrolled'),
    skipped: count('skipped'),
    failed: count('failed'),
    faces: people.reduce((sum, p) => sum + p.faces, 0),
    rejectedPhotos: people.reduce((sum, p) => sum + p.rejected.length, 0),
    rejectedByCode,
  };
}
