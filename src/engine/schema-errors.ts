import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';

/** One problem found in a file or body, with where it is (`routes[2].kind`). */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/** `/routes/2/kind` → `routes[2].kind`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function literalChoices(schema: TSchema): string[] | undefined {
  if (schema[Kind] !== 'Union') return undefined;
  const values = (schema.anyOf as TSchema[]).map((s) => s.const);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function describe(error: ValueError): string {
  const choices = literalChoices(error.schema);
  if (choices) return `must be one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a known field';
    case ValueErrorType.StringPattern:
      return error.schema.description ? `must be ${error.schema.description}` : `must match ${error.schema.pattern}`;
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

/** A schema compiled once, that lists every problem of a value (one per path) instead of the first. */
export class SchemaValidator<T extends TSchema> {
  private readonly check: TypeCheck<T>;
  constructor(schema: T) {
    this.check = TypeCompiler.Compile(schema);
  }

  problems(value: unknown): SchemaProblem[] {
    if (this.check.Check(value)) return [];
    const byPath = new Map<string, SchemaProblem>();
    for (const error of this.check.Errors(value)) {
      const path = pointerToPath(error.path);
      if (!byPath.has(path)) byPath.set(path, { path, message: describe(error) });
    }
    return [...byPath.values()];
  }
}
