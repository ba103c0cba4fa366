/** An array made read-only, an optional one too (distributed over `X[] | undefined`). */
type FrozenValue<V> = V extends (infer U)[] ? readonly U[] : V;

/** A schema's static type with read-only properties and arrays: what the engine hands out is never changed. */
export type Frozen<T> = { readonly [K in keyof T]: FrozenValue<T[K]> };
