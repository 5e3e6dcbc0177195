import { once } from 'node:events';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { EMBEDDING_DIMENSIONS, FaceVectorRepository } from '@facegate/database';
import { EMBEDDING_MODEL_ID } from '@facegate/core';
import { encodeHeader, encodePerson } from './jsonl-codec';
import { TransferRepository } from './transfer.repository';

/**
 * Users per page. A full page is 50 users x 20 faces x 512 floats: ~2 MB as Float32Arrays, ~6 MB once written as
 * 9-digit text (~12 bytes a number), so memory stays flat whatever the gallery's size.
 */
const PAGE_USERS = 50;

export interface ExportSummary {
  people: number;
  faces: number;
  /** Faces stored by another embedding model (after a model change): left out, they cannot be searched anyway. */
  otherModelFaces: number;
}

/** Streams people and embeddings as JSON lines, page by page, waiting for the output to drain (back-pressure). */
@Injectable()
export class ExportCommand {
  constructor(
    private readonly transfer: TransferRepository,
    private readonly vectors: FaceVectorRepository,
  ) {}

  async run(out: NodeJS.WritableStream, options: { collection?: string }): Promise<ExportSummary> {
    const collections = await this.transfer.collections(options.collection);
    if (options.collection && collections.length === 0) throw new DomainError('COLLECTION_NOT_FOUND', `No collection "${options.collection}".`);
    await write(
      out,
      encodeHeader({
        model: EMBEDDING_MODEL_ID,
        dimensions: EMBEDDING_DIMENSIONS,
        exportedAt: new Date().toISOString(),
        collections: collections.map((c) => ({ name: c.name, description: c.description, settings: (c.settings ?? {}) as Record<string, unknown> })),
      }),
    );
    const summary: ExportSummary = { people: 0, faces: 0, otherModelFaces: 0 };
    const ids = collections.map((c) => c.id);
    for (let after: string | undefined; ;) {
      const page = await this.transfer.usersPage(ids, after, PAGE_USERS);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const embeddings = await this.vectors.embeddingsOfUsers(page.map((u) => u.id));
      const lines: string[] = [];
      for (const user of page) {
        const faces = user.faces.filter((f) => f.modelId === EMBEDDING_MODEL_ID && embeddings.has(f.id));
        summary.otherModelFaces += user.faces.length - faces.length;
        if (faces.length === 0) continue;
        summary.people += 1;
        summary.faces += faces.length;
        lines.push(
          encodePerson({
            externalId: user.externalId,
            name: user.name,
            collection: user.collection.name,
            metadata: (user.metadata ?? {}) as Record<string, unknown>,
            faces: faces.map((f) => ({ embedding: embeddings.get(f.id)!, box: f.box as never, score: f.score, quality: f.quality as Record<string, unknown> })),
          }),
        );
      }
      if (lines.length > 0) await write(out, lines.join('\n'));
    }
    return summary;
  }
}

/** Writes a line; waits for the stream to drain when its buffer is full, so memory stays flat. */
async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text + '\n')) await once(out, 'drain');
}
