/**
 * OpenAPI 3.0.3's reading of `nullable`: it adds null only to a schema's own `type`, so a nullable enum must list null
 * and a nullable reference must say "the referenced object, or null". What the decorators write is rewritten here.
 */
export function fixNullableSchemas(schema: unknown): void {
  allowNullInEnums(schema);
  nullableReferences(schema);
}

/** OpenAPI 3.0.3: a nullable enum must list null among its values, or validators refuse the null it allows. */
function allowNullInEnums(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as { nullable?: boolean; enum?: unknown[] };
  if (s.nullable && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
  for (const value of Object.values(schema)) allowNullInEnums(value);
}

/**
 * `{nullable: true, allOf: [{$ref}]}` (what the decorators write for a nullable object) does not accept null under
 * OpenAPI 3.0.3, since the referenced schema requires an object: write it as "the referenced object, or null".
 */
function nullableReferences(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const value of Object.values(schema)) nullableReferences(value);
  const s = schema as { nullable?: boolean; allOf?: object[]; anyOf?: object[]; type?: string };
  if (s.nullable && Array.isArray(s.allOf) && s.allOf.length === 1) {
    s.anyOf = [s.allOf[0], { type: 'object', nullable: true, enum: [null] }];
    delete s.allOf;
    delete s.nullable;
    delete s.type;
  }
}
