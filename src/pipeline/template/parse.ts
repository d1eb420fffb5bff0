/**
 * Parser and static checker. Every field, variable and function is resolved here, and argument
 * counts and (where known) argument types are checked, so a bad template fails when reimage
 * starts rather than in the middle of a run.
 */
import type { Command, Node, Operand, Pipeline, StaticType } from './ast.js';
import { TemplateError } from './errors.js';
import { FUNCTIONS } from './funcs.js';
import { lex, type Token } from './lex.js';

export function parseTemplate(src: string, fields: readonly string[]): Node[] {
  return new Parser(src, lex(src), fields).parseRoot();
}

/**
 * Nesting accepted, of blocks (if, with) and of parenthesised pipelines each. Go's parser stops at
 * 10000 (1000 on small stacks), with the same message; our recursion would overflow before that.
 */
const MAX_DEPTH = 1000;

class Parser {
  private i = 0;
  private parenDepth = 0;
  /** Variables in scope, innermost last; `$` is the template's input. */
  private readonly scopes: Map<string, StaticType>[] = [new Map([['', 'data']])];
  /** Type of `.`, innermost last (`with` changes it). */
  private readonly dots: StaticType[] = ['data'];
  /** Static type of each parsed pipeline. */
  private readonly types = new Map<Pipeline, StaticType>();

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly fields: readonly string[],
  ) {}

  parseRoot(): Node[] {
    const { nodes, stop } = this.parseList();
    if (stop) throw this.error(stop, `unexpected {{${stop.value}}}`);
    return nodes;
  }

  private error(at: { pos: number } | undefined, reason: string): TemplateError {
    return new TemplateError(this.src, at?.pos ?? this.src.length, reason);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw this.error(undefined, 'unexpected end of template');
    return t;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.error(t, `unexpected ${describe(t)}, expected ${what}`);
    return t;
  }

  /** Nodes up to `{{else}}`/`{{end}}` (returned as `stop`, after its `{{`) or the end of the template. */
  private parseList(): { nodes: Node[]; stop?: Token } {
    const nodes: Node[] = [];
    for (let t = this.peek(); t; t = this.peek()) {
      this.i++;
      if (t.kind === 'text') {
        nodes.push({ type: 'text', text: t.value });
        continue;
      }
      const first = this.peek();
      if (first?.kind === 'keyword') {
        this.i++;
        if (first.value === 'end' || first.value === 'else') return { nodes, stop: first };
        if (first.value === 'if' || first.value === 'with') {
          nodes.push(this.parseControl(first.value));
          continue;
        }
        throw this.error(first, `{{${first.value}}} is not supported in rename templates`);
      }
      const pipe = this.parsePipeline(true);
      this.expect('close', '}}');
      nodes.push({ type: 'action', pipe });
    }
    return { nodes };
  }

  /** `if`/`with` after its keyword, through its `{{end}}` (shared by an `{{else if}}` chain). */
  private parseControl(type: 'if' | 'with'): Node {
    this.scopes.push(new Map());
    try {
      const pipe = this.parsePipeline(true);
      this.expect('close', '}}');
      const pipeType = this.pipelineType(pipe);
      const list = this.inScope(type === 'with' ? pipeType : undefined, () => this.parseList());
      if (list.stop?.value !== 'else') {
        if (!list.stop) throw this.error(undefined, `unexpected end of template: {{${type}}} has no {{end}}`);
        this.expect('close', '}}');
        return { type, pipe, list: list.nodes, elseList: [] };
      }
      const chained = this.peek();
      if (chained?.kind === 'keyword' && (chained.value === 'if' || chained.value === 'with')) {
        this.i++;
        const nested = this.inScope(undefined, () => this.parseControl(chained.value as 'if' | 'with'));
        return { type, pipe, list: list.nodes, elseList: [nested] };
      }
      this.expect('close', '}}');
      const elseList = this.inScope(undefined, () => this.parseList());
      if (elseList.stop?.value !== 'end') {
        throw this.error(elseList.stop, `{{${type}}} … {{else}} must be closed by {{end}}`);
      }
      this.expect('close', '}}');
      return { type, pipe, list: list.nodes, elseList: elseList.nodes };
    } finally {
      this.scopes.pop();
    }
  }

  private inScope<T>(dot: StaticType | undefined, body: () => T): T {
    // Scopes, not blocks, are counted: a block may open two (its list and an else-if chain).
    if (this.scopes.length > 2 * MAX_DEPTH) throw this.error(this.peek(), 'max expression depth exceeded');
    this.scopes.push(new Map());
    if (dot) this.dots.push(dot);
    try {
      return body();
    } finally {
      this.scopes.pop();
      if (dot) this.dots.pop();
    }
  }

  private lookupVariable(name: string): StaticType | undefined {
    for (let s = this.scopes.length - 1; s >= 0; s--) {
      const t = this.scopes[s]?.get(name);
      if (t) return t;
    }
    return undefined;
  }

  private parsePipeline(allowVariable: boolean): Pipeline {
    const start = this.peek();
    let variable: Pipeline['variable'];
    const op = this.peek(1);
    if (allowVariable && start?.kind === 'variable' && (op?.kind === 'declare' || op?.kind === 'assign')) {
      this.i += 2;
      if (op.kind === 'assign' && !this.lookupVariable(start.value)) {
        throw this.error(start, `undefined variable "$${start.value}"`);
      }
      variable = { name: start.value, declare: op.kind === 'declare' };
    }
    const commands: Command[] = [];
    let piped: StaticType | undefined;
    for (;;) {
      const { command, type } = this.parseCommand(piped);
      commands.push(command);
      piped = type;
      if (this.peek()?.kind !== 'pipe') break;
      this.i++;
    }
    const pipe: Pipeline = { pos: start?.pos ?? this.src.length, commands, ...(variable && { variable }) };
    this.types.set(pipe, piped ?? 'any');
    if (variable) {
      const scope = variable.declare ? this.scopes[this.scopes.length - 1] : this.scopes.find((s) => s.has(variable.name));
      scope?.set(variable.name, variable.declare ? (piped ?? 'any') : 'any');
    }
    return pipe;
  }

  private pipelineType(pipe: Pipeline): StaticType {
    return this.types.get(pipe) ?? 'any';
  }

  /** One command; `piped` is the type of the value piped in from the previous command. */
  private parseCommand(piped: StaticType | undefined): { command: Command; type: StaticType } {
    const start = this.peek();
    const operands: { operand: Operand; type: StaticType }[] = [];
    for (let t = this.peek(); t && !['pipe', 'close', 'rparen'].includes(t.kind); t = this.peek()) {
      operands.push(this.parseOperand(operands.length > 0));
    }
    if (operands.length === 0) throw this.error(start, piped ? 'missing command after |' : 'missing value for command');
    const command: Command = { pos: start?.pos ?? 0, operands: operands.map((o) => o.operand) };
    const [head, ...args] = operands;
    if (head?.operand.type === 'function') {
      const argTypes = args.map((a) => a.type);
      if (piped) argTypes.push(piped);
      return { command, type: this.checkCall(head.operand.name, argTypes, head.operand.pos) };
    }
    if (args.length > 0 || piped) throw this.error(start, `can't give argument to non-function ${this.slice(start)}`);
    if (head?.operand.type === 'literal' && head.operand.value === null) throw this.error(start, 'nil is not a command');
    return { command, type: head?.type ?? 'any' };
  }

  private slice(t: Token | undefined): string {
    return t ? this.src.slice(t.pos, t.end) : '';
  }

  private checkCall(name: string, argTypes: readonly StaticType[], pos: number): StaticType {
    const fn = FUNCTIONS[name];
    if (!fn) throw this.error({ pos }, `function "${name}" not defined`);
    const n = argTypes.length;
    if (n < fn.minArgs || (fn.maxArgs !== undefined && n > fn.maxArgs)) {
      const want = fn.maxArgs === fn.minArgs ? `${fn.minArgs}` : fn.maxArgs === undefined ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      throw this.error({ pos }, `wrong number of args for ${name}: want ${want} got ${n}`);
    }
    if (fn.stringArgs) {
      const bad = argTypes.find((t) => t !== 'string' && t !== 'any');
      if (bad) throw this.error({ pos }, `wrong type for value in ${name}; expected string; got ${bad}`);
    }
    if (name === 'printf' && argTypes[0] !== 'string' && argTypes[0] !== 'any') {
      throw this.error({ pos }, 'printf: the format must be a string');
    }
    return typeof fn.result === 'function' ? fn.result(argTypes) : fn.result;
  }

  private parseOperand(isArgument: boolean): { operand: Operand; type: StaticType } {
    const t = this.next();
    const pos = t.pos;
    switch (t.kind) {
      case 'dot':
        return { operand: { type: 'dot', pos }, type: this.dots[this.dots.length - 1] ?? 'any' };
      case 'field':
        return this.parseChain(t, 'dot', this.dots[this.dots.length - 1] ?? 'any', [t.value]);
      case 'variable': {
        const type = this.lookupVariable(t.value);
        if (!type) throw this.error(t, `undefined variable "$${t.value}"`);
        if (this.adjacentField(t)) return this.parseChain(t, { variable: t.value }, type, []);
        return { operand: { type: 'variable', name: t.value, pos }, type };
      }
      case 'string':
        return { operand: { type: 'literal', value: t.value, pos }, type: 'string' };
      case 'number':
        return { operand: { type: 'literal', value: Number(t.value), pos }, type: 'number' };
      case 'bool':
        return { operand: { type: 'literal', value: t.value === 'true', pos }, type: 'bool' };
      case 'nil':
        return { operand: { type: 'literal', value: null, pos }, type: 'nil' };
      case 'identifier': {
        if (!FUNCTIONS[t.value]) throw this.error(t, `function "${t.value}" not defined`);
        // An identifier used as an argument is a call with no arguments, as in Go.
        const type = isArgument ? this.checkCall(t.value, [], pos) : 'any';
        return { operand: { type: 'function', name: t.value, pos }, type };
      }
      case 'lparen': {
        if (++this.parenDepth > MAX_DEPTH) throw this.error(t, 'max expression depth exceeded');
        const pipe = this.parsePipeline(false);
        this.parenDepth--;
        const close = this.expect('rparen', ')');
        const type = this.pipelineType(pipe);
        if (this.adjacentField(close)) return this.parseChain(close, pipe, type, []);
        return { operand: { type: 'pipeline', pipe, pos }, type };
      }
      default:
        throw this.error(t, `unexpected ${describe(t)} in command`);
    }
  }

  private adjacentField(t: Token): boolean {
    const n = this.peek();
    return n?.kind === 'field' && n.pos === t.end;
  }

  /** `.A.B`, `$x.A`, `(…).A`: collects the adjacent field names and types the access. */
  private parseChain(
    last: Token, receiver: 'dot' | { variable: string } | Pipeline, receiverType: StaticType, chain: string[],
  ): { operand: Operand; type: StaticType } {
    let prev = last;
    while (this.adjacentField(prev)) {
      prev = this.next();
      chain.push(prev.value);
    }
    let type = receiverType;
    for (const field of chain) {
      if (field === '') throw this.error(last, 'missing field name after "."');
      if (type === 'any') continue;
      if (type !== 'data') throw this.error(last, `can't evaluate field ${field} in type ${type}`);
      if (!this.fields.includes(field)) {
        throw this.error(last, `unknown field .${field} (the fields are ${this.fields.map((f) => `.${f}`).join(', ')})`);
      }
      type = 'string';
    }
    return { operand: { type: 'field', receiver, chain, pos: last.pos }, type };
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'close': return '"}}"';
    case 'text': return 'text';
    case 'keyword': case 'identifier': return `"${t.value}"`;
    default: return `${t.kind} ${JSON.stringify(t.value)}`;
  }
}
