import type { OpenAPIObject } from '@nestjs/swagger';

/** Multipart parts that carry files, by the JSON field they stand for (common/multipart-images.interceptor.ts). */
const FILE_PARTS: Record<string, { part: string; many: boolean }> = {
  image: { part: 'file', many: false },
  images: { part: 'files', many: true },
  frames: { part: 'files', many: true },
  imageA: { part: 'imageA', many: false },
  imageB: { part: 'imageB', many: false },
};
const BINARY = { type: 'string', format: 'binary' };

/**
 * A multipart body is not the JSON body: its images are binary parts (`file`, `files`, `imageA`, `imageB`), its other
 * fields form fields. Each multipart body gets its own `<Dto>Form` schema, derived from the JSON one.
 */
export function formBodies(document: OpenAPIObject): void {
  const schemas = (document.components!.schemas ??= {}) as Record<string, { properties?: Record<string, object>; required?: string[] }>;
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ requestBody?: unknown }>) {
      const body = operation?.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined;
      const form = body?.content?.['multipart/form-data'];
      const ref = form?.schema?.$ref;
      if (!form || !ref) continue;
      const name = ref.split('/').pop()!;
      const json = schemas[name];
      const properties: Record<string, object> = {};
      const required: string[] = [];
      for (const [field, schema] of Object.entries(json.properties ?? {})) {
        const file = FILE_PARTS[field];
        const key = file?.part ?? field;
        properties[key] = file
          ? file.many
            ? { type: 'array', items: BINARY, description: `The ${field}, one part each.` }
            : { ...BINARY, description: `The ${field}, as a file part.` }
          : schema;
        if (json.required?.includes(field)) required.push(key);
      }
      schemas[`${name}Form`] = { ...json, properties, ...(required.length ? { required } : {}) };
      form.schema = { $ref: `#/components/schemas/${name}Form` };
    }
  }
}
