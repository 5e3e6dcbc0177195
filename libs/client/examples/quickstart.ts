/**
 * The typed client in a few lines: enrol a person from one photo, then ask who another photo shows. Against a
 * running facegate (`npm start`):
 *
 *   FACEGATE_URL=http://localhost:8000 FACEGATE_API_KEY=<key> npx tsx libs/client/examples/quickstart.ts a.jpg b.jpg
 *
 * It works in a collection of its own, made for photo search (sign-in collections want a liveness token with every
 * probe: README "Active liveness challenge"), and deletes it at the end.
 */
import { readFileSync } from 'node:fs';
import { createFacegateClient, Problem } from '@facegate/client';

export interface QuickstartResult {
  enrolledUserId: string;
  match: boolean;
  recognisedUserId: string | null;
  similarity: number | null;
}

export async function quickstart(baseUrl: string, apiKey: string, enrolPhoto: string, probePhoto: string): Promise<QuickstartResult> {
  const facegate = createFacegateClient({ baseUrl, apiKey });
  const base64 = (path: string) => readFileSync(path).toString('base64');
  const fail = (what: string, problem: Problem) => new Error(`${what}: ${problem.code} (${problem.detail})`);

  const collection = `quickstart-${Date.now()}`;
  const created = await facegate.POST('/collections', { body: { name: collection, settings: { purpose: 'photo_search' } } });
  if (created.error) throw fail('create collection', created.error);
  try {
    const enrolled = await facegate.POST('/users', { body: { name: 'Ada', collection, images: [base64(enrolPhoto)] } });
    if (enrolled.error) throw fail('enrol', enrolled.error);
    const answer = await facegate.POST('/recognize', { body: { image: base64(probePhoto), collection } });
    if (answer.error) throw fail('recognize', answer.error);
    // Without `all: true` the answer is about the main face (RecognizeResponseDto), not every face.
    if (!('match' in answer.data)) throw new Error('expected the answer for the main face');
    return { enrolledUserId: enrolled.data.id, match: answer.data.match, recognisedUserId: answer.data.user?.id ?? null, similarity: answer.data.similarity };
  } finally {
    await facegate.DELETE('/collections/{name}', { params: { path: { name: collection } } });
  }
}

if (require.main === module) {
  const [enrolPhoto, probePhoto] = process.argv.slice(2);
  const url = process.env.FACEGATE_URL ?? 'http://localhost:8000';
  const key = process.env.FACEGATE_API_KEY;
  if (!enrolPhoto || !probePhoto || !key) {
    console.error('usage: FACEGATE_URL=... FACEGATE_API_KEY=... npx tsx libs/client/examples/quickstart.ts <enrol photo> <probe photo>');
    process.exit(2);
  }
  quickstart(url, key, enrolPhoto, probePhoto).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
