import AjvModule, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';

// ajv ships CommonJS with a default export; under NodeNext the class is on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** ajv options shared by config validation and Fastify's route validation, so both speak alike. */
export const AJV_OPTIONS: Options = {
  allErrors: false,
  verbose: true,
  discriminator: true,
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  strict: false,
};

/** Registers what our schemas use beyond plain JSON Schema: formats, and the annotation `errorMessage`. */
export function extendAjv<A extends InstanceType<typeof Ajv>>(ajv: A): A {
  addFormats(ajv);
  if (!ajv.getKeyword('errorMessage')) ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

export function createAjv(opts: Options = {}) {
  return extendAjv(new Ajv({ ...AJV_OPTIONS, ...opts }));
}

/** `/targets/0/source/url` → `targets[0].source.url` (prefix joined with a dot). */
export function instancePathToField(instancePath: string, prefix = ''): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** One readable line per ajv error: `<field>: <rule>`, using the schema's `errorMessage` when it has one. */
export function formatAjvError(err: ErrorObject, prefix = ''): string {
  let field = instancePathToField(err.instancePath, prefix);
  const params = err.params as Record<string, unknown>;
  const custom = (err.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  let rule: string;
  switch (err.keyword) {
    case 'required':
      field = joinField(field, String(params.missingProperty));
      rule = 'is required';
      break;
    case 'additionalProperties':
      field = joinField(field, String(params.additionalProperty));
      rule = 'is not a known field';
      break;
    case 'discriminator': {
      const tag = String(params.tag);
      field = joinField(field, tag);
      const options = discriminatorValues(err.parentSchema, tag);
      rule = options.length ? `must be one of ${options.join(', ')}` : `must be a known ${tag}`;
      break;
    }
    case 'enum':
      rule = custom ?? `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
      break;
    default:
      rule = custom ?? err.message ?? 'is invalid';
  }
  return `${field || '(root)'}: ${rule}`;
}

function joinField(field: string, child: string): string {
  return field ? `${field}.${child}` : child;
}

function discriminatorValues(schema: unknown, tag: string): string[] {
  const oneOf = (schema as { oneOf?: { properties?: Record<string, { const?: unknown }> }[] } | undefined)?.oneOf ?? [];
  return oneOf.map((s) => s.properties?.[tag]?.const).filter((v): v is string => typeof v === 'string');
}

/**
 * ajv reports every branch of a union that failed; the most useful is the deepest one (it got
 * furthest into the data), and a union's own `errorMessage` beats the branches' noise.
 */
export function pickError(errors: ErrorObject[]): ErrorObject {
  const union = errors.find((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && (e.parentSchema as { errorMessage?: string })?.errorMessage);
  if (union) return union;
  return [...errors].sort((a, b) => depth(b) - depth(a))[0]!;
}

function depth(e: ErrorObject): number {
  return e.instancePath.split('/').length + (e.keyword === 'required' || e.keyword === 'additionalProperties' ? 1 : 0);
}

export interface Checker<T extends TSchema> {
  /** Returns the value typed, or throws an Error whose message names the field and the rule. */
  parse(value: unknown, prefix?: string): Static<T>;
}

export function checker<T extends TSchema>(schema: T, ajv = createAjv()): Checker<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    parse(value, prefix = '') {
      if (validate(value)) return value as Static<T>;
      throw new Error(formatAjvError(pickError(validate.errors ?? []), prefix));
    },
  };
}
