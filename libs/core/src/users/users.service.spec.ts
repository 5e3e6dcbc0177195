import { Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { Scope } from '../access/actor';
import { FaceRulesService } from '../face/face-rules.service';
import {
  accessOver,
  auditLog,
  budgetOver,
  callerWith,
  codeOf,
  domainErrorOf,
  embedding,
  extractedFace,
  FakeAttempts,
  FakeCollections,
  FakeLivenessSessions,
  livenessTokensOver,
  testConfig,
} from '../testing/fakes';
import { LivenessGateService } from '../liveness/liveness-gate.service';
import { TokenRedemption } from '../liveness/liveness-sessions.repository';
import { FakePeople } from '../testing/people';
import { UsersService } from './users.service';

beforeAll(() => Logger.overrideLogger(false));

// Photos by name, compared at the server's threshold (0.42). Ann's photos all match each other (ann1-ann2 0.8,
// ann1-annEdge 0.45, ann2-annEdge 0.9); annFar is 0.4 from ann1, under the threshold. Bob's are orthogonal to Ann's.
// carl2 matches carl1 (0.9) and, at 0.44, the face `carlLookalike`; carl1 does not (0).
const PHOTOS: Record<string, Float32Array> = {
  ann1: embedding(0),
  ann2: embedding(0, 0.8, 2),
  annEdge: embedding(0, 0.45, 2),
  annFar: embedding(0, 0.4, 3),
  bob1: embedding(1),
  bob2: embedding(1, 0.9, 5),
  carl1: embedding(6),
  carl2: embedding(6, 0.9, 7),
};
const carlLookalike = embedding(7);

const admin = callerWith(['admin']);
const enroller = callerWith(['enrol']);
const enrolAndRead = callerWith(['enrol', 'read']);

function setUp(env: Record<string, string> = {}, tokens: Record<string, TokenRedemption> = {}) {
  // Collections for photo search unless a test says otherwise; 'signin' requires liveness tokens, as the product's default does.
  const config = testConfig({ FACEGATE_LOCKOUT_FAILURES: '2', FACEGATE_COLLECTION_PURPOSE: 'photo_search', ...env });
  const collections = new FakeCollections({ default: {}, other: {}, strict: { matchThreshold: 0.9 }, signin: { purpose: 'sign_in' } });
  const access = accessOver(collections, config);
  const { service: audit, entries } = auditLog();
  const attempts = new FakeAttempts();
  const people = new FakePeople();
  const sessions = new FakeLivenessSessions(tokens);
  const livenessTokens = livenessTokensOver(sessions);
  const budget = budgetOver(attempts, audit, config);
  const faces = {
    // Names stand for photos; 'not-an-image' is refused as a real bad upload would be, before the engine.
    checkedImage: jest.fn((image: string | Buffer) => {
      if (image === 'not-an-image') throw new DomainError('INVALID_IMAGE', 'The image is corrupt or truncated and cannot be decoded.');
      return image;
    }),
    forEnrolment: jest.fn(async (image: string | Buffer) => {
      const vector = PHOTOS[String(image)];
      if (!vector) throw new DomainError('NO_FACE', 'No face was found in the image.');
      return extractedFace(vector, 0.9);
    }),
  };
  const service = new UsersService(
    people.asRepository(),
    faces as unknown as FaceRulesService,
    access,
    audit,
    people.asVectors(),
    budget,
    new LivenessGateService(livenessTokens, people.asVectors(), budget, audit),
    config,
  );
  return { service, people, faces, entries, attempts, collections, config, sessions };
}

describe('UsersService.enrol', () => {
  it('answers COLLECTION_NOT_FOUND, not a server error, when the collection is deleted while the photos are analysed', async () => {
    const { service, people } = setUp();
    people.deletedCollections.add('col-default');
    expect(await codeOf(service.enrol({ name: 'Ann', images: ['ann1'] }, enroller))).toBe('COLLECTION_NOT_FOUND');
    expect(people.users.size).toBe(0);
  });

  it('stores the person with every face, in the collection the key works in, and audits it', async () => {
    const { service, people, entries } = setUp();
    const user = await service.enrol({ name: 'Ann', externalId: 'ann', images: ['ann1', 'ann2'], metadata: { team: 'a' } }, enroller);
    expect(user).toMatchObject({ name: 'Ann', externalId: 'ann', collection: 'default', metadata: { team: 'a' } });
    expect(user.faces).toHaveLength(2);
    expect(people.facesOf(user.id)).toBe(2);
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'enrol', outcome: 'success', userId: user.id, collection: 'default', details: { faces: 2 } }),
    );
  });

  it("enrols into a bound key's only collection, and never into one it is not bound to", async () => {
    const { service, faces } = setUp();
    const bound = callerWith(['enrol'], ['other']);
    expect((await service.enrol({ name: 'Ann', images: ['ann1'] }, bound)).collection).toBe('other');
    expect(await codeOf(service.enrol({ name: 'Ann', images: ['ann1'], collection: 'default' }, bound))).toBe('COLLECTION_NOT_FOUND');
    expect(faces.forEnrolment).toHaveBeenCalledTimes(1);
  });

  it('refuses more images than a request may carry, before analysing any', async () => {
    const { service, faces } = setUp({ FACEGATE_MAX_IMAGES_PER_REQUEST: '2' });
    const error = await domainErrorOf(service.enrol({ name: 'Ann', images: ['ann1', 'ann2', 'ann1'] }, enroller));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { images: 3 } });
    expect(faces.forEnrolment).not.toHaveBeenCalled();
  });

  // BUG (found by this test): enrol() checks only FACEGATE_MAX_IMAGES_PER_REQUEST (at most 10), never
  // FACEGATE_MAX_FACES_PER_USER, which enrolExtracted() and addFaces() enforce. With a per-user limit of 2, one
  // POST /users with 3 photos stores a person with 3 faces; the limit then refuses any addFaces to that person.
  it('never stores more faces than FACEGATE_MAX_FACES_PER_USER in one enrolment, and refuses before any work', async () => {
    const { service, people, faces } = setUp({ FACEGATE_MAX_FACES_PER_USER: '2' });
    const outcome = await codeOf(service.enrol({ name: 'Ann', images: ['ann1', 'ann2', 'annEdge'] }, enroller));
    expect([...people.users.values()].every((u) => u.faces.length <= 2)).toBe(true);
    expect(outcome).toBe('VALIDATION_FAILED');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    expect((await service.enrol({ name: 'Ann', images: ['ann1', 'ann2'] }, enroller)).name).toBe('Ann');
  });

  it('names the photo a refusal is about, and stores nothing when one photo is bad', async () => {
    const { service, people } = setUp();
    const error = await domainErrorOf(service.enrol({ name: 'Ann', images: ['ann1', 'blank'] }, enroller));
    expect(error).toMatchObject({ code: 'NO_FACE', details: { index: 1 } });
    expect(people.users.size).toBe(0);
  });

  it('refuses metadata over 16 KiB of JSON before any work', async () => {
    const { service, faces } = setUp();
    expect(await codeOf(service.enrol({ name: 'Ann', images: ['ann1'], metadata: { blob: 'x'.repeat(16 * 1024) } }, enroller))).toBe('VALIDATION_FAILED');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    expect((await service.enrol({ name: 'Ann', images: ['ann1'], metadata: { blob: 'x'.repeat(16 * 1024 - 20) } }, enroller)).name).toBe('Ann');
  });

  it('refuses metadata holding a number JSON cannot store (1e400 parses as Infinity), at any depth, and keeps the stored one', async () => {
    const { service, faces, people } = setUp();
    const overflow = JSON.parse('{"limits":[1,{"max":1e400}]}') as Record<string, unknown>;
    expect(await codeOf(service.enrol({ name: 'Ann', images: ['ann1'], metadata: overflow }, enroller))).toBe('VALIDATION_FAILED');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
    await service.update('u-ann', { metadata: { max: 5 } }, admin);
    expect(await codeOf(service.update('u-ann', { metadata: { max: -Infinity } }, admin))).toBe('VALIDATION_FAILED');
    expect(await service.get('u-ann', admin)).toMatchObject({ metadata: { max: 5 } });
  });

  describe('one person per enrolment', () => {
    it('refuses photos of two people with FACE_MISMATCH, naming the odd photo, and stores nothing', async () => {
      const { service, people } = setUp();
      const error = await domainErrorOf(service.enrol({ name: 'Ann', images: ['ann1', 'ann2', 'bob1'] }, enroller));
      expect(error).toMatchObject({ code: 'FACE_MISMATCH', details: { index: 2 } });
      expect(people.users.size).toBe(0);
    });

    it("judges with the collection's own threshold", async () => {
      const { service } = setUp();
      // 0.8 apart: one person at 0.42, two at the strict collection's 0.9.
      expect(await codeOf(service.enrol({ name: 'Ann', images: ['ann1', 'ann2'], collection: 'strict' }, enroller))).toBe('FACE_MISMATCH');
    });

    it('lets only an admin key override it (allowMismatch), refusing others before anything is looked at', async () => {
      const { service, faces, collections } = setUp();
      for (const scopes of [['enrol'], ['enrol', 'read', 'recognize']] as Scope[][]) {
        const error = await domainErrorOf(service.enrol({ name: 'Ann', images: ['ann1', 'bob1'], allowMismatch: true }, callerWith(scopes)));
        expect(error).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'admin' } });
      }
      expect(faces.forEnrolment).not.toHaveBeenCalled();
      expect(collections.lookups).toEqual([]);
    });

    it('stores a mixed enrolment for an admin, and the audit entry says it was overridden', async () => {
      const { service, entries } = setUp();
      const user = await service.enrol({ name: 'Ann', images: ['ann1', 'bob1'], allowMismatch: true }, admin);
      expect(user.faces).toHaveLength(2);
      expect(entries).toContainEqual(expect.objectContaining({ action: 'enrol', outcome: 'success', details: { faces: 2, allowMismatch: true } }));
    });
  });

  describe('duplicate faces', () => {
    it('refuses a face that matches another person of the collection at the threshold', async () => {
      const { service, people } = setUp();
      people.seed({ id: 'u-lookalike', collection: 'default', faces: [carlLookalike] });
      const error = await domainErrorOf(service.enrol({ name: 'Carl', images: ['carl1', 'carl2'] }, enrolAndRead));
      expect(error.code).toBe('DUPLICATE_FACE');
      expect(error.details).toMatchObject({ index: 1, userId: 'u-lookalike' });
      expect(error.details.similarity).toBeCloseTo(0.4359, 3);
      expect(people.users.size).toBe(1);
    });

    it('does not tell an enrol-only key who the face matched, nor how well', async () => {
      const { service, people } = setUp();
      people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
      const error = await domainErrorOf(service.enrol({ name: 'Eve', images: ['ann2'] }, enroller));
      expect(error.code).toBe('DUPLICATE_FACE');
      expect(error.details).toEqual({ index: 0 });
      expect(error.message).not.toContain('u-ann');
    });

    it('lets a face under the threshold, or a match in another collection, through', async () => {
      const { service, people } = setUp();
      people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
      expect((await service.enrol({ name: 'Someone', images: ['annFar'] }, enroller)).faces).toHaveLength(1);
      expect((await service.enrol({ name: 'Ann', images: ['ann1'], collection: 'other' }, enroller)).collection).toBe('other');
    });

    it('enrols a duplicate on request (allowDuplicate) for an admin key, and audits the override', async () => {
      const { service, people, entries } = setUp();
      people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
      const twin = await service.enrol({ name: 'Ann twin', images: ['ann2'], allowDuplicate: true }, admin);
      expect(people.users.has(twin.id)).toBe(true);
      expect(entries).toContainEqual(expect.objectContaining({ action: 'enrol', details: { faces: 1, allowDuplicate: true } }));
    });

    it('refuses allowDuplicate from an enrol-only key before analysing any photo: no decoys of an enrolled face', async () => {
      const { service, people, faces } = setUp();
      people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
      const error = await domainErrorOf(service.enrol({ name: 'Decoy', images: ['ann2'], allowDuplicate: true }, enroller));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('allowDuplicate');
      expect(faces.forEnrolment).not.toHaveBeenCalled();
      expect(people.users.size).toBe(1);
      expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { allowDuplicate: true }))).toBe('FORBIDDEN');
      expect(people.facesOf('u-ann')).toBe(1);
    });
  });

  describe('externalId', () => {
    it('refuses an externalId already used in the collection, before analysing any photo', async () => {
      const { service, people, faces } = setUp();
      people.seed({ collection: 'default', externalId: 'emp-1', faces: [PHOTOS.bob1] });
      expect(await codeOf(service.enrol({ name: 'Ann', externalId: 'emp-1', images: ['ann1'] }, enroller))).toBe('DUPLICATE_EXTERNAL_ID');
      expect(faces.forEnrolment).not.toHaveBeenCalled();
      expect((await service.enrol({ name: 'Ann', externalId: 'emp-1', images: ['ann1'], collection: 'other' }, enroller)).externalId).toBe('emp-1');
    });

    it('answers DUPLICATE_EXTERNAL_ID when a concurrent enrolment took the externalId first', async () => {
      const { service, people } = setUp();
      people.loseExternalIdRace = true;
      expect(await codeOf(service.enrol({ name: 'Ann', externalId: 'emp-1', images: ['ann1'] }, enroller))).toBe('DUPLICATE_EXTERNAL_ID');
    });
  });
});

describe('UsersService.enrolExtracted', () => {
  it('takes between 1 and FACEGATE_MAX_FACES_PER_USER faces', async () => {
    const { service } = setUp({ FACEGATE_MAX_FACES_PER_USER: '2' });
    const face = extractedFace(PHOTOS.ann1);
    expect(await codeOf(service.enrolExtracted({ name: 'Ann' }, [], admin))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.enrolExtracted({ name: 'Ann' }, [face, face, face], admin))).toBe('VALIDATION_FAILED');
    expect((await service.enrolExtracted({ name: 'Ann' }, [face, face], admin)).faces).toHaveLength(2);
  });

  it('applies the same one-person rule as enrol()', async () => {
    const { service } = setUp();
    expect(await codeOf(service.enrolExtracted({ name: 'Ann' }, [extractedFace(PHOTOS.ann1), extractedFace(PHOTOS.bob1)], admin))).toBe('FACE_MISMATCH');
  });
});

describe('UsersService: reading, updating and deleting people', () => {
  it("hides a person outside a bound key's collections exactly like one that does not exist", async () => {
    const { service, people } = setUp();
    people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
    const bound = callerWith(['admin'], ['other']);
    for (const id of ['u-ann', 'u-nobody']) {
      const error = await domainErrorOf(service.get(id, bound));
      expect(error.code).toBe('USER_NOT_FOUND');
      expect(error.message).toBe(`No user ${id}.`);
    }
    expect(await codeOf(service.update('u-ann', { name: 'X' }, bound))).toBe('USER_NOT_FOUND');
    expect(await codeOf(service.remove('u-ann', bound))).toBe('USER_NOT_FOUND');
    expect(people.users.get('u-ann')?.name).toBe('u-ann');
    expect((await service.get('u-ann', admin)).id).toBe('u-ann');
  });

  it('updates the name and metadata, audited, and refuses oversized metadata', async () => {
    const { service, people, entries } = setUp();
    people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
    expect(await service.update('u-ann', { name: 'Ann B.', metadata: { a: 1 } }, admin)).toMatchObject({ name: 'Ann B.', metadata: { a: 1 } });
    expect(entries).toContainEqual(expect.objectContaining({ action: 'update', outcome: 'success', userId: 'u-ann' }));
    expect(await codeOf(service.update('u-ann', { metadata: { blob: 'x'.repeat(20_000) } }, admin))).toBe('VALIDATION_FAILED');
  });

  it('answers USER_NOT_FOUND when the person vanished between the check and the write', async () => {
    const { service, people } = setUp();
    people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
    people.repository.update = async () => null;
    people.repository.delete = async () => false;
    expect(await codeOf(service.update('u-ann', { name: 'X' }, admin))).toBe('USER_NOT_FOUND');
    expect(await codeOf(service.remove('u-ann', admin))).toBe('USER_NOT_FOUND');
  });

  it('deletes a person, audited; a missing face is FACE_NOT_FOUND', async () => {
    const { service, people, entries } = setUp();
    const ann = people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1, PHOTOS.ann2] });
    await service.removeFace('u-ann', ann.faces[0].id, admin);
    expect(people.facesOf('u-ann')).toBe(1);
    expect(await codeOf(service.removeFace('u-ann', 'f-none', admin))).toBe('FACE_NOT_FOUND');
    await service.remove('u-ann', admin);
    expect(people.users.has('u-ann')).toBe(false);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['delete_face', 'success'],
      ['delete_face', 'FACE_NOT_FOUND'],
      ['delete', 'success'],
    ]);
  });

  it('lists the people of the resolved collection only, with a cursor when there are more', async () => {
    const { service, people } = setUp();
    people.seed({ collection: 'default', faces: [PHOTOS.ann1] });
    people.seed({ collection: 'default', faces: [PHOTOS.bob1, PHOTOS.bob2] });
    people.seed({ collection: 'other', faces: [PHOTOS.ann1] });
    const page = await service.list({ limit: 1 }, admin);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const all = await service.list({}, admin);
    expect(all.items.map((u) => u.faceCount)).toEqual([1, 2]);
    expect(all.nextCursor).toBeNull();
  });
});

describe('UsersService.addFaces', () => {
  function withAnn(env: Record<string, string> = {}) {
    const world = setUp(env);
    world.people.seed({ id: 'u-ann', collection: 'default', faces: [PHOTOS.ann1] });
    world.people.seed({ id: 'u-bob', collection: 'default', faces: [PHOTOS.bob1] });
    return world;
  }

  it("adds photos that match the person's enrolled faces", async () => {
    const { service, people } = withAnn();
    const added = await service.addFaces('u-ann', ['ann2', 'annEdge'], enroller);
    expect(added.faces).toHaveLength(2);
    expect(people.facesOf('u-ann')).toBe(3);
  });

  it("refuses a photo that does not match the person's faces (FACE_MISMATCH), naming it", async () => {
    const { service, people } = withAnn();
    const error = await domainErrorOf(service.addFaces('u-ann', ['annFar'], enroller));
    expect(error).toMatchObject({ code: 'FACE_MISMATCH', details: { index: 0 } });
    expect(people.facesOf('u-ann')).toBe(1);
  });

  it('lets only an admin key give faces to a person left with none: an enrol key cannot make an emptied person its own', async () => {
    const { service, people, faces, attempts } = withAnn();
    people.seed({ id: 'u-empty', collection: 'default', faces: [] });
    const error = await domainErrorOf(service.addFaces('u-empty', ['carl1'], enroller));
    expect(error).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'admin' } });
    expect(people.facesOf('u-empty')).toBe(0);
    // Refused before the engine ran and without spending an attempt on the person.
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    expect(attempts.settled).toEqual([]);
    await service.addFaces('u-empty', ['carl1'], admin);
    expect(people.facesOf('u-empty')).toBe(1);
  });

  it('answers USER_NOT_FOUND, not a server error, when the person is deleted while the photos are analysed', async () => {
    const { service, people, faces, entries } = withAnn();
    const analyse = faces.forEnrolment.getMockImplementation()!;
    faces.forEnrolment.mockImplementationOnce(async (image) => {
      people.users.delete('u-ann');
      return analyse(image);
    });
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], admin, { allowMismatch: true, allowDuplicate: true }))).toBe('USER_NOT_FOUND');
    expect(entries).toContainEqual(expect.objectContaining({ action: 'add_faces', outcome: 'USER_NOT_FOUND', userId: 'u-ann' }));
  });

  it('refuses new photos that do not match each other', async () => {
    const { service } = withAnn();
    expect(await codeOf(service.addFaces('u-ann', ['ann2', 'bob2'], admin))).toBe('FACE_MISMATCH');
  });

  it('charges a mismatch to the key like a failed verification, locking it out of the person (2 failures here)', async () => {
    const { service, attempts, faces } = withAnn();
    expect(await codeOf(service.addFaces('u-ann', ['bob1'], enroller))).toBe('FACE_MISMATCH');
    expect(await codeOf(service.addFaces('u-ann', ['bob1'], enroller))).toBe('FACE_MISMATCH');
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller))).toBe('LOCKED_OUT');
    expect(faces.forEnrolment).toHaveBeenCalledTimes(2);
    expect(attempts.settled.map((s) => s.outcome)).toEqual(['failure', 'failure']);
  });

  it('settles a successful addition as a success, which forgives the earlier failures of this key', async () => {
    const { service, attempts } = withAnn();
    expect(await codeOf(service.addFaces('u-ann', ['bob1'], enroller))).toBe('FACE_MISMATCH');
    expect(attempts.failuresOf('u-ann', 'key-1')).toBe(1);
    await service.addFaces('u-ann', ['ann2'], enroller);
    expect(attempts.settled.map((s) => s.outcome)).toEqual(['failure', 'success']);
    expect(attempts.failuresOf('u-ann', 'key-1')).toBe(0);
  });

  it('lets only an admin key add a mismatching photo (allowMismatch)', async () => {
    const { service, people, faces } = withAnn();
    expect(await codeOf(service.addFaces('u-ann', ['bob2'], enroller, { allowMismatch: true }))).toBe('FORBIDDEN');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    await service.addFaces('u-ann', ['bob2'], admin, { allowMismatch: true, allowDuplicate: true });
    expect(people.facesOf('u-ann')).toBe(2);
  });

  it("refuses a photo of someone else in the collection (DUPLICATE_FACE), though the person's own faces are no duplicate", async () => {
    const { service, people } = withAnn();
    // Admin may add Bob's face to Ann despite the mismatch, but it still duplicates Bob.
    const error = await domainErrorOf(service.addFaces('u-ann', ['bob2'], admin, { allowMismatch: true }));
    expect(error).toMatchObject({ code: 'DUPLICATE_FACE', details: { index: 0, userId: 'u-bob' } });
    expect(people.facesOf('u-ann')).toBe(1);
  });

  it('passes the per-person face limit to the store, which refuses to go over it', async () => {
    const { service, people } = withAnn({ FACEGATE_MAX_FACES_PER_USER: '2' });
    expect(await codeOf(service.addFaces('u-ann', ['ann2', 'annEdge'], enroller))).toBe('TOO_MANY_FACES');
    expect(people.facesOf('u-ann')).toBe(1);
    await service.addFaces('u-ann', ['ann2'], enroller);
    expect(people.facesOf('u-ann')).toBe(2);
  });

  it('keeps a bound key away from people of other collections', async () => {
    const { service, faces } = withAnn();
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], callerWith(['enrol'], ['other'])))).toBe('USER_NOT_FOUND');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
  });
});

describe('UsersService.addFaces in a collection that requires liveness tokens', () => {
  /** A passed session whose anchor face is `anchor`, opened after the fake budget's locks end (00:05). */
  const passedWith = (anchor: Float32Array): TokenRedemption => ({
    ok: true,
    sessionId: 's1',
    anchorEmbedding: anchor,
    passiveMedian: 0.9,
    openedAt: new Date('2026-01-01T01:00:00Z'),
  });

  function withSigninAnn(tokens: Record<string, TokenRedemption> = {}) {
    const world = setUp({}, { 'hash:lt_ann': passedWith(PHOTOS.ann2), 'hash:lt_bob': passedWith(PHOTOS.bob1), ...tokens });
    world.people.seed({ id: 'u-ann', collection: 'signin', faces: [PHOTOS.ann1] });
    return world;
  }

  it('asks a key without admin scope for the token before any image work or attempt, even when it is locked out of the person', async () => {
    const { service, people, faces, attempts, entries } = withSigninAnn();
    attempts.lock('u-ann', 'key-1');
    // LOCKED_OUT here would tell the key that failed sessions it sent showed Ann (they were charged to her).
    expect(await codeOf(service.addFaces('u-ann', ['no-face'], enroller))).toBe('LIVENESS_REQUIRED');
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_made_up' }))).toBe('LIVENESS_TOKEN_INVALID');
    expect(faces.forEnrolment).not.toHaveBeenCalled();
    expect(people.facesOf('u-ann')).toBe(1);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'add_faces', userId: 'u-ann', outcome: 'LIVENESS_REQUIRED' }));
    // A caller that passed a challenge learns of the lock, as on /verify, and the answer spends its token.
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_ann' }))).toBe('LOCKED_OUT');
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_ann' }))).toBe('LIVENESS_TOKEN_USED');
  });

  it('refuses a session that was open while the key was locked out of the person, and one the passive policy refuses now', async () => {
    const during = { ...passedWith(PHOTOS.ann2), openedAt: new Date('2026-01-01T00:01:00Z') };
    const spoof = { ...passedWith(PHOTOS.ann2), passiveMedian: 0.01 };
    const { service, people, attempts } = withSigninAnn({ 'hash:lt_during': during, 'hash:lt_spoof': spoof });
    attempts.lock('u-ann', 'key-1');
    attempts.unlockKeepingHistory('u-ann', 'key-1');
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_during' }))).toBe('LIVENESS_TOKEN_INVALID');
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_spoof' }))).toBe('SPOOF_SUSPECTED');
    expect(people.facesOf('u-ann')).toBe(1);
  });

  it('says TOO_MANY_FACES, or that an image is bad, before spending the token', async () => {
    const { service, people, sessions } = setUp({ FACEGATE_MAX_FACES_PER_USER: '2' }, { 'hash:lt_ann': passedWith(PHOTOS.ann2) });
    people.seed({ id: 'u-ann', collection: 'signin', faces: [PHOTOS.ann1] });
    expect(await codeOf(service.addFaces('u-ann', ['ann2', 'annEdge'], enroller, { livenessToken: 'lt_ann' }))).toBe('TOO_MANY_FACES');
    expect(await codeOf(service.addFaces('u-ann', ['not-an-image'], enroller, { livenessToken: 'lt_ann' }))).toBe('INVALID_IMAGE');
    expect(sessions.redeemed).toEqual([]);
    expect((await service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_ann' })).faces).toHaveLength(1);
  });

  it("adds a live capture of the person once per token; a token whose face is not the new photo's is refused", async () => {
    const { service, people, sessions } = withSigninAnn();
    expect((await service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_ann' })).faces).toHaveLength(1);
    expect(sessions.redeemed).toEqual([['hash:lt_ann', 'key-1', 'col-signin']]);
    expect(await codeOf(service.addFaces('u-ann', ['annEdge'], enroller, { livenessToken: 'lt_ann' }))).toBe('LIVENESS_TOKEN_USED');
    // Bob passed the challenge; the photo is Ann's.
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_bob' }))).toBe('LIVENESS_FACE_MISMATCH');
    expect(people.facesOf('u-ann')).toBe(2);
  });

  it("refuses a token whose face matches the new photo but not the person's faces", async () => {
    // The challenge face (axis 2) matches ann2 at 0.6, and ann2 matches Ann at 0.8, but the face is not Ann's (0).
    const { service, people } = withSigninAnn({ 'hash:lt_other': passedWith(embedding(2)) });
    expect(await codeOf(service.addFaces('u-ann', ['ann2'], enroller, { livenessToken: 'lt_other' }))).toBe('LIVENESS_FACE_MISMATCH');
    expect(people.facesOf('u-ann')).toBe(1);
  });

  it('lets an admin key add photos without a token, and leaves collections that do not require one as they were', async () => {
    const { service, people } = withSigninAnn();
    expect((await service.addFaces('u-ann', ['ann2'], admin)).faces).toHaveLength(1);
    people.seed({ id: 'u-carl', collection: 'default', faces: [PHOTOS.carl1] });
    expect((await service.addFaces('u-carl', ['carl2'], enroller)).faces).toHaveLength(1);
    expect(people.facesOf('u-ann')).toBe(2);
  });
});
