import { buildAsyncApiDocument } from './asyncapi-document';
import { parseClientMessage } from './stream-protocol';

describe('the stream AsyncAPI document', () => {
  const doc = buildAsyncApiDocument('1.2.3') as {
    asyncapi: string;
    info: { version: string };
    channels: { stream: { address: string; messages: Record<string, { $ref: string }> } };
    operations: Record<string, { messages: Array<{ $ref: string }> }>;
    components: { messages: Record<string, { payload: { properties?: { type?: { const?: string } } } }> };
  };

  it('is AsyncAPI 3.0 at the gateway path, with every reference resolving to a message', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info.version).toBe('1.2.3');
    expect(doc.channels.stream.address).toBe('/v1/stream');
    const refs = Object.values(doc.operations).flatMap((o) => o.messages.map((m) => m.$ref.split('/').pop()!));
    for (const name of refs) expect(doc.channels.stream.messages[name].$ref).toBe(`#/components/messages/${name}`);
    expect(new Set(refs)).toEqual(new Set(Object.keys(doc.components.messages)));
  });

  it('documents every JSON message type the server accepts', () => {
    const documented = Object.values(doc.components.messages).map((m) => m.payload.properties?.type?.const);
    const examples = [{ type: 'auth', key: 'k' }, { type: 'config' }, { type: 'frame', seq: 1, image: 'a' }, { type: 'ping' }];
    for (const example of examples) {
      const parsed = parseClientMessage(Buffer.from(JSON.stringify(example)), false, { op: 'detect' });
      expect(documented).toContain(parsed.type);
    }
  });
});
