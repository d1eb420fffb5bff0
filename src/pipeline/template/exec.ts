/**
 * Executes a parsed template against its input. Bounded like everything reimage runs on input it
 * does not control: at most MAX_STEPS actions, MAX_DEPTH nested {{template}} calls and
 * MAX_OUTPUT characters of output, each an error naming the limit when exceeded.
 */
import type { Command, Node, Operand, Pipeline } from './ast.js';
import { TemplateError } from './errors.js';
import type { FuncSpec } from './funcs.js';
import type { ParsedTemplate } from './parse.js';
import { formatValue, GoFloat, GoMap, isList, isStruct, isTrue, NO_VALUE, NoValue, type Value, ValueError } from './values.js';

const MAX_STEPS = 10_000_000;
/** Go allows 100000; JavaScript's stack does not, so deeper recursion is refused with this message. */
const MAX_DEPTH = 1000;
const MAX_OUTPUT = 64 * 1024 * 1024;

export interface ExecOptions {
  readonly functions: Readonly<Record<string, FuncSpec>>;
  readonly label: string;
}

export function execute(src: string, parsed: ParsedTemplate, data: Value, options: ExecOptions): string {
  return new Executor(src, parsed, options).run(data);
}

/** Thrown by {{break}} and {{continue}}, caught by the innermost {{range}}. */
class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

class Executor {
  private scopes: Map<string, Value>[] = [];
  private dots: Value[] = [];
  private readonly out: string[] = [];
  private outLength = 0;
  private steps = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly parsed: ParsedTemplate,
    private readonly options: ExecOptions,
  ) {}

  run(data: Value): string {
    this.scopes = [new Map([['', data]])];
    this.dots = [data];
    this.list(this.parsed.root);
    return this.out.join('');
  }

  private error(pos: number, reason: string): TemplateError {
    return new TemplateError(this.src, pos, reason, this.options.label);
  }

  private write(s: string, pos: number): void {
    this.outLength += s.length;
    if (this.outLength > MAX_OUTPUT) throw this.error(pos, `output is larger than ${MAX_OUTPUT / 1024 / 1024} MiB`);
    this.out.push(s);
  }

  private list(nodes: readonly Node[]): void {
    for (const node of nodes) this.node(node);
  }

  private node(node: Node): void {
    if (++this.steps > MAX_STEPS) throw this.error('pos' in node ? node.pos : 0, `template ran more than ${MAX_STEPS} steps`);
    switch (node.type) {
      case 'text':
        this.write(node.text, 0);
        return;
      case 'action': {
        const value = this.pipeline(node.pipe);
        if (!node.pipe.variable) this.write(formatValue(value), node.pipe.pos);
        return;
      }
      case 'if': case 'with':
        this.scoped(() => {
          const value = this.pipeline(node.pipe);
          if (!isTrue(value)) this.scoped(() => this.list(node.elseList));
          else this.scoped(() => this.list(node.list), node.type === 'with' ? value : undefined);
        });
        return;
      case 'range':
        this.scoped(() => this.range(node.pipe, node.list, node.elseList));
        return;
      case 'break': case 'continue':
        throw new LoopSignal(node.type);
      case 'template': {
        const body = this.parsed.templates.get(node.name);
        if (!body) throw this.error(node.pos, `no such template ${JSON.stringify(node.name)}`);
        if (this.depth >= MAX_DEPTH) throw this.error(node.pos, `exceeded maximum template depth (${MAX_DEPTH})`);
        const dot = node.pipe ? this.pipeline(node.pipe) : NO_VALUE;
        const saved = { scopes: this.scopes, dots: this.dots };
        this.scopes = [new Map([['', dot]])];
        this.dots = [dot];
        this.depth++;
        try {
          this.list(body);
        } finally {
          this.depth--;
          ({ scopes: this.scopes, dots: this.dots } = saved);
        }
      }
    }
  }

  private range(pipe: Pipeline, list: readonly Node[], elseList: readonly Node[]): void {
    const value = this.pipeline(pipe);
    const vars = pipe.rangeVariables;
    const items = this.rangeItems(value, pipe.pos, vars?.names.length ?? 0);
    if (items.length === 0) {
      this.scoped(() => this.list(elseList));
      return;
    }
    for (const [key, element] of items) {
      try {
        this.scoped(() => {
          if (vars) {
            const [first, second] = vars.names;
            if (second === undefined) this.setVariable(first as string, element, vars.declare);
            else {
              this.setVariable(first as string, key, vars.declare);
              this.setVariable(second, element, vars.declare);
            }
          }
          this.list(list);
        }, element);
      } catch (err) {
        if (!(err instanceof LoopSignal)) throw err;
        if (err.kind === 'break') break;
      }
    }
  }

  /** What {{range}} iterates over: a slice by index, a map by sorted key, an int from 0 (Go 1.22+). */
  private rangeItems(value: Value, pos: number, variables: number): (readonly [Value, Value])[] {
    if (isList(value)) return value.map((v, i) => [i, v] as const);
    if (value instanceof GoMap) return [...value.keys()].sort().map((k) => [k, value.get(k) ?? null] as const);
    if (typeof value === 'number') {
      if (variables > 1) throw this.error(pos, `can't use ${value} to iterate over more than one variable`);
      return Array.from({ length: Math.max(0, value) }, (_, i) => [i, i] as const);
    }
    throw this.error(pos, `range can't iterate over ${formatValue(value)}`);
  }

  private setVariable(name: string, value: Value, declare: boolean): void {
    const scope = declare ? this.scopes[this.scopes.length - 1] : [...this.scopes].reverse().find((s) => s.has(name));
    scope?.set(name, value);
  }

  private scoped<T>(body: () => T, dot?: Value): T {
    this.scopes.push(new Map());
    if (dot !== undefined) this.dots.push(dot);
    try {
      return body();
    } finally {
      this.scopes.pop();
      if (dot !== undefined) this.dots.pop();
    }
  }

  private pipeline(pipe: Pipeline): Value {
    let value: Value | undefined;
    for (const command of pipe.commands) value = this.command(command, value);
    const result = value ?? null;
    if (pipe.variable) this.setVariable(pipe.variable.name, result, pipe.variable.declare);
    return result;
  }

  private command(command: Command, piped: Value | undefined): Value {
    const [head, ...args] = command.operands;
    try {
      if (head?.type !== 'function') return this.operand(head as Operand);
      return this.call(head.name, args, piped);
    } catch (err) {
      if (err instanceof ValueError) throw this.error(command.pos, err.message);
      throw err;
    }
  }

  private call(name: string, args: readonly Operand[], piped: Value | undefined): Value {
    const fn = this.options.functions[name];
    if (!fn) throw new ValueError(`function "${name}" not defined`);
    // Arguments are thunks so that and/or can stop early, as Go's do.
    const thunks: (() => Value)[] = args.map((a) => () => this.operand(a));
    if (piped !== undefined) thunks.push(() => piped);
    if (fn.lazy) {
      let v: Value = null;
      for (const thunk of thunks) {
        v = thunk();
        if (isTrue(v) === (fn.lazy === 'or')) return v;
      }
      return v;
    }
    try {
      return fn.call(thunks.map((t) => { const v = t(); return v instanceof NoValue ? null : v; }));
    } catch (err) {
      if (err instanceof ValueError && !err.message.startsWith('error calling')) throw new ValueError(`error calling ${name}: ${err.message}`);
      throw err;
    }
  }

  private operand(op: Operand): Value {
    switch (op.type) {
      case 'dot': return this.dots[this.dots.length - 1] ?? null;
      case 'literal': return op.value;
      case 'variable': return this.variable(op.name);
      case 'function': return this.call(op.name, [], undefined);
      case 'pipeline': return this.pipeline(op.pipe);
      case 'field': {
        let v: Value = op.receiver === 'dot'
          ? (this.dots[this.dots.length - 1] ?? null)
          : 'commands' in op.receiver ? this.pipeline(op.receiver) : this.variable(op.receiver.variable);
        for (const field of op.chain) v = this.field(v, field, op.pos);
        return v;
      }
    }
  }

  /** `.Field` of a struct, or `.key` of a map (a missing key gives nil, as for Go's interface maps). */
  private field(v: Value, field: string, pos: number): Value {
    if (v instanceof GoMap) return v.has(field) ? (v.get(field) ?? null) : NO_VALUE;
    if (isStruct(v) && Object.hasOwn(v, field)) return v[field] ?? null;
    if (v === null || v instanceof NoValue) throw this.error(pos, `nil pointer evaluating interface {}.${field}`);
    const type = v instanceof GoFloat ? 'float64' : isList(v) ? 'slice' : isStruct(v) ? 'struct' : typeof v;
    throw this.error(pos, `can't evaluate field ${field} in type ${type} (${formatValue(v).slice(0, 80)})`);
  }

  private variable(name: string): Value {
    for (let s = this.scopes.length - 1; s >= 0; s--) {
      const scope = this.scopes[s];
      if (scope?.has(name)) return scope.get(name) ?? null;
    }
    throw new ValueError(`undefined variable "$${name}"`);
  }
}
