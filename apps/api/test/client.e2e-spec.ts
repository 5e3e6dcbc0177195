import { createFacegateClient } from '@facegate/client';
import { quickstart } from '../../../libs/client/examples/quickstart';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { facePath } from '../../../test/shared-faces';
import { photo } from '../../../test/photos';

/**
 * Issue 17: the typed client (libs/client, generated from the document /docs/openapi.json serves) against a real
 * listening server: the README's example runs as written, and typed calls get the shapes their types promise (the
 * response validator of the harness checks every answer against the same document).
 */
const kind = testDatabase();

describe(`the typed client (${kind})`, () => {
  const app = useTestApp();
  let baseUrl: string;

  beforeAll(async () => {
    await app().app.listen(0, '127.0.0.1');
    baseUrl = await app().app.getUrl();
  });

  it("runs the README's quickstart: enrol from one photo, recognise the person in another", async () => {
    const result = await quickstart(baseUrl, ADMIN_KEY, facePath('George_W_Bush/001.jpg'), facePath('George_W_Bush/004.jpg'));
    expect(result.match).toBe(true);
    expect(result.recognisedUserId).toBe(result.enrolledUserId);
    expect(result.similarity).toBeGreaterThan(0.42);
    // The example cleans up after itself.
    const facegate = createFacegateClient({ baseUrl, apiKey: ADMIN_KEY });
    const { data } = await facegate.GET('/collections');
    expect(data?.some((c) => c.name.startsWith('quickstart-'))).toBe(false);
  });

  it('answers an error as a typed Problem with its stable code, and a stranger as no match', async () => {
    const facegate = createFacegateClient({ baseUrl, apiKey: ADMIN_KEY });
    const missing = await facegate.GET('/users/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('USER_NOT_FOUND');

    const detected = await facegate.POST('/detect', { body: { image: photo('Colin_Powell/001.jpg') } });
    expect(detected.data?.faces).toHaveLength(1);
    expect(detected.data?.faces[0].enrolment.ok).toBe(true);

    const stranger = await facegate.POST('/recognize', { body: { image: photo('Colin_Powell/001.jpg') } });
    expect(stranger.data && 'match' in stranger.data ? stranger.data.match : null).toBe(false);

    const wrongKey = await createFacegateClient({ baseUrl, apiKey: 'fg_not_a_key_0123456789' }).GET('/stats');
    expect(wrongKey.response.status).toBe(401);
    expect(wrongKey.error?.code).toBe('UNAUTHORIZED');
  });
});
