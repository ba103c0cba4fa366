/** A schema's static type with read-only properties and arrays: what the engine hands out is never changed. */
export type Frozen<T> = { readonly [K in keyof T]: T[K] extends (infer U)[] ? readonly U[] : T[K] };
