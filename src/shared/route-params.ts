/**
 * The params an itty-router pattern yields, typed from the pattern string:
 * `"/chat/:room"` gives `{ room: string }`, `"/files/:name?"` gives `{ name?: string }`,
 * `"/docs/:path+"` gives `{ path: string }`; `*` captures nothing by name.
 */
export type RouteParams<Path extends string> = Simplify<ParamsOf<Path>>;

/** Params of a route whose pattern is not known to the type system (a router mounted with a prefix). */
export type AnyParams = Readonly<Record<string, string | undefined>>;

type ParamsOf<Path extends string> = string extends Path
  ? AnyParams
  : Path extends `${string}:${infer After}`
    ? After extends `${infer Param}/${infer Rest}`
      ? ParamEntry<Param> & ParamsOf<`/${Rest}`>
      : ParamEntry<After>
    : unknown;

type ParamEntry<Segment extends string> = Segment extends `${infer Name}.${infer Rest}`
  ? ParamEntry<Name> & ParamsOf<Rest>
  : Segment extends `${infer Name}?`
    ? { readonly [K in Name]?: string }
    : Segment extends `${infer Name}+`
      ? { readonly [K in Name]: string }
      : { readonly [K in Segment]: string };

type Simplify<T> = unknown extends T ? Record<string, never> : { [K in keyof T]: T[K] };
