/** Syntax tree of a compiled template, and the static types the checker gives its expressions. */

/** `data` is the template's input record; `any` is a value whose type is only known at run time. */
export type StaticType = 'data' | 'string' | 'number' | 'bool' | 'nil' | 'any';

export type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipeline }
  | {
    readonly type: 'if' | 'with';
    readonly pipe: Pipeline;
    readonly list: readonly Node[];
    readonly elseList: readonly Node[];
  };

export interface Pipeline {
  readonly pos: number;
  /** `$x := …` declares, `$x = …` assigns; either way the action prints nothing. */
  readonly variable?: { readonly name: string; readonly declare: boolean };
  readonly commands: readonly Command[];
}

export interface Command {
  readonly pos: number;
  readonly operands: readonly Operand[];
}

export type Operand = { readonly pos: number } & (
  | { readonly type: 'dot' }
  | { readonly type: 'field'; readonly receiver: 'dot' | { readonly variable: string } | Pipeline; readonly chain: readonly string[] }
  | { readonly type: 'variable'; readonly name: string }
  | { readonly type: 'function'; readonly name: string }
  | { readonly type: 'literal'; readonly value: string | number | boolean | null }
  | { readonly type: 'pipeline'; readonly pipe: Pipeline }
);
