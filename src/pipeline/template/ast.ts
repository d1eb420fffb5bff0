/** Syntax tree of a compiled template, and the static types the checker gives its expressions. */
import type { GoFloat } from './values.js';

/** `data` is the template's input record; `any` is a value whose type is only known at run time. */
export type StaticType = 'data' | 'string' | 'number' | 'bool' | 'nil' | 'any';

export type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipeline }
  | {
    readonly type: 'if' | 'with' | 'range';
    readonly pipe: Pipeline;
    readonly list: readonly Node[];
    readonly elseList: readonly Node[];
  }
  /** `{{template "name" pipeline}}` (and the call half of `{{block}}`). */
  | { readonly type: 'template'; readonly pos: number; readonly name: string; readonly pipe?: Pipeline }
  | { readonly type: 'break' | 'continue'; readonly pos: number };

export interface Pipeline {
  readonly pos: number;
  /** `$x := …` declares, `$x = …` assigns; either way the action prints nothing. */
  readonly variable?: { readonly name: string; readonly declare: boolean };
  /** `range $i, $e := …`: the index/key and element variables. */
  readonly rangeVariables?: { readonly names: readonly string[]; readonly declare: boolean };
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
  | { readonly type: 'literal'; readonly value: string | number | GoFloat | boolean | null }
  | { readonly type: 'pipeline'; readonly pipe: Pipeline }
);
