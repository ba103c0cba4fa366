/**
 * json-rules-engine's operators and operator decorators, with the same callbacks and fact-value validators
 * (see its engine-default-operators.js and engine-default-operator-decorators.js), so that a compiled rule
 * answers exactly as `Engine.run` would. The differential test holds the two together.
 */

export type Comparison = (factValue: unknown, jsonValue: unknown) => boolean;

interface OperatorSpec {
  readonly cb: Comparison;
  readonly validate?: (factValue: unknown) => boolean;
}

interface DecoratorSpec {
  readonly cb: (factValue: unknown, jsonValue: unknown, next: Comparison) => boolean;
  readonly validate?: (factValue: unknown) => boolean;
}

// json-rules-engine's own numeric check, kept to the letter: `'12abc'` passes, `null` does not.
const isNumberLike = (v: unknown) => Number.parseFloat(v as string).toString() !== 'NaN';
const isArray = (v: unknown) => Array.isArray(v);

const OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  equal: { cb: (a, b) => a === b },
  notEqual: { cb: (a, b) => a !== b },
  in: { cb: (a, b) => (b as unknown[]).indexOf(a) > -1 },
  notIn: { cb: (a, b) => (b as unknown[]).indexOf(a) === -1 },
  contains: { cb: (a, b) => (a as unknown[]).indexOf(b) > -1, validate: isArray },
  doesNotContain: { cb: (a, b) => (a as unknown[]).indexOf(b) === -1, validate: isArray },
  lessThan: { cb: (a, b) => (a as number) < (b as number), validate: isNumberLike },
  lessThanInclusive: { cb: (a, b) => (a as number) <= (b as number), validate: isNumberLike },
  greaterThan: { cb: (a, b) => (a as number) > (b as number), validate: isNumberLike },
  greaterThanInclusive: { cb: (a, b) => (a as number) >= (b as number), validate: isNumberLike },
};

const DECORATORS: Readonly<Record<string, DecoratorSpec>> = {
  someFact: { cb: (a, b, next) => (a as unknown[]).some((fv) => next(fv, b)), validate: isArray },
  someValue: { cb: (a, b, next) => (b as unknown[]).some((jv) => next(a, jv)) },
  everyFact: { cb: (a, b, next) => (a as unknown[]).every((fv) => next(fv, b)), validate: isArray },
  everyValue: { cb: (a, b, next) => (b as unknown[]).every((jv) => next(a, jv)) },
  swap: { cb: (a, b, next) => next(b, a) },
  not: { cb: (a, b, next) => !next(a, b) },
};

/** Operators and decorators that index or iterate the condition's `value`, so it must be an array. */
const ARRAY_VALUE = new Set(['in', 'notIn', 'someValue', 'everyValue']);

export const OPERATOR_NAMES = Object.keys(OPERATORS);
export const DECORATOR_NAMES = Object.keys(DECORATORS);

/**
 * `'not:someFact:equal'` → one comparison function, decorators applied outermost-first as json-rules-engine
 * applies them. Returns an error message instead when a name is unknown or the value cannot work.
 */
export function resolveOperator(name: string, jsonValue: unknown, valueIsFactRef: boolean): Comparison | string {
  const parts = name.split(':');
  const base = parts.pop() as string;
  const spec = OPERATORS[base];
  if (!spec) return `unknown operator '${base}' (known: ${OPERATOR_NAMES.join(', ')})`;
  // Checked for the plain forms only; a decorated one (`swap:in`, `someFact:in`) is taken as written.
  const needsArray =
    parts.length === 0 ? ARRAY_VALUE.has(base) : parts.length === 1 && ARRAY_VALUE.has(parts[0] as string);
  if (needsArray && !valueIsFactRef && !Array.isArray(jsonValue)) return `operator '${name}' needs an array value`;

  const { cb, validate } = spec;
  let compare: Comparison = validate ? (a, b) => validate(a) && cb(a, b) : cb;
  for (let i = parts.length - 1; i >= 0; i--) {
    const decorator = DECORATORS[parts[i] as string];
    if (!decorator) return `unknown operator decorator '${parts[i]}' (known: ${DECORATOR_NAMES.join(', ')})`;
    const next = compare;
    const { cb: dcb, validate: dvalidate } = decorator;
    compare = dvalidate ? (a, b) => dvalidate(a) && dcb(a, b, next) : (a, b) => dcb(a, b, next);
  }
  return compare;
}
