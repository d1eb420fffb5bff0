/** Executes a parsed template against its input record. */
import type { Command, Node, Operand, Pipeline } from './ast.js';
import { TemplateError } from './errors.js';
import { FUNCTIONS } from './funcs.js';
import { formatValue, isTrue, type DataValue, type Value, ValueError } from './values.js';

export function execute(src: string, nodes: readonly Node[], data: DataValue): string {
  return new Executor(src, data).run(nodes);
}

class Executor {
  private readonly scopes: Map<string, Value>[];
  private readonly dots: Value[];

  constructor(
    private readonly src: string,
    data: DataValue,
  ) {
    this.scopes = [new Map([['', data]])];
    this.dots = [data];
  }

  run(nodes: readonly Node[]): string {
    let out = '';
    for (const node of nodes) {
      if (node.type === 'text') {
        out += node.text;
      } else if (node.type === 'action') {
        const value = this.pipeline(node.pipe);
        if (!node.pipe.variable) out += formatValue(value);
      } else {
        out += this.scoped(() => {
          const value = this.pipeline(node.pipe);
          if (!isTrue(value)) return this.scoped(() => this.run(node.elseList));
          return this.scoped(() => this.run(node.list), node.type === 'with' ? value : undefined);
        });
      }
    }
    return out;
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
    const v = pipe.variable;
    if (v) {
      const scope = v.declare ? this.scopes[this.scopes.length - 1] : [...this.scopes].reverse().find((s) => s.has(v.name));
      scope?.set(v.name, result);
    }
    return result;
  }

  private command(command: Command, piped: Value | undefined): Value {
    const [head, ...args] = command.operands;
    try {
      if (head?.type !== 'function') return this.operand(head as Operand);
      return this.call(head.name, args, piped);
    } catch (err) {
      if (err instanceof ValueError) throw new TemplateError(this.src, command.pos, err.message);
      throw err;
    }
  }

  private call(name: string, args: readonly Operand[], piped: Value | undefined): Value {
    const fn = FUNCTIONS[name];
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
    return fn.call(thunks.map((t) => t()));
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
        for (const field of op.chain) {
          if (v === null || typeof v !== 'object' || !(field in v)) {
            throw new TemplateError(this.src, op.pos, `can't evaluate field ${field} in ${formatValue(v)}`);
          }
          v = v[field] ?? null;
        }
        return v;
      }
    }
  }

  private variable(name: string): Value {
    for (let s = this.scopes.length - 1; s >= 0; s--) {
      const scope = this.scopes[s];
      if (scope?.has(name)) return scope.get(name) ?? null;
    }
    throw new ValueError(`undefined variable "$${name}"`);
  }
}
