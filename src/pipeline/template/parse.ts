/**
 * Parser and static checker. Every variable, function and template name is resolved here, and
 * argument counts and (where known) argument types are checked, so a bad template fails when
 * reimage starts rather than in the middle of a run. With `fields`, the input is a record of
 * those string fields and every field access on it is checked too.
 */
import type { Command, Node, Operand, Pipeline, StaticType } from './ast.js';
import { TemplateError } from './errors.js';
import type { FuncSpec } from './funcs.js';
import { lex, type Token } from './lex.js';
import { numberValue } from './numbers.js';

export interface ParseOptions {
  /** The input's fields, when it is a record of strings known in advance (rename templates). */
  readonly fields?: readonly string[];
  readonly functions: Readonly<Record<string, FuncSpec>>;
  /** Names the template in errors ("rename template", "report template report.tmpl"). */
  readonly label: string;
}

export interface ParsedTemplate {
  readonly root: readonly Node[];
  /** `{{define}}` and `{{block}}` bodies by name. */
  readonly templates: ReadonlyMap<string, readonly Node[]>;
}

export function parseTemplate(src: string, options: ParseOptions): ParsedTemplate {
  return new Parser(src, lex(src, options.label), options).parseRoot();
}

class Parser {
  private i = 0;
  /** Variables in scope, innermost last; `$` is the template's input. */
  private scopes: Map<string, StaticType>[];
  /** Type of `.`, innermost last (`with` and `range` change it). */
  private dots: StaticType[];
  /** Static type of each parsed pipeline. */
  private readonly types = new Map<Pipeline, StaticType>();
  private readonly templates = new Map<string, readonly Node[]>();
  /** `{{template "x"}}` calls, checked against the definitions once everything is parsed. */
  private readonly calls: { name: string; pos: number }[] = [];
  /** How many `{{range}}`s enclose the current position (for break/continue). */
  private rangeDepth = 0;
  private readonly input: StaticType;
  private readonly fields: readonly string[] | undefined;
  private readonly functions: Readonly<Record<string, FuncSpec>>;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly options: ParseOptions,
  ) {
    this.fields = options.fields;
    this.functions = options.functions;
    this.input = options.fields ? 'data' : 'any';
    this.scopes = [new Map([['', this.input]])];
    this.dots = [this.input];
  }

  parseRoot(): ParsedTemplate {
    const { nodes, stop } = this.parseList(true);
    if (stop) throw this.error(stop, `unexpected {{${stop.value}}}`);
    for (const call of this.calls) {
      if (!this.templates.has(call.name)) throw this.error(call, `no such template ${JSON.stringify(call.name)}`);
    }
    return { root: nodes, templates: this.templates };
  }

  private error(at: { pos: number } | undefined, reason: string): TemplateError {
    return new TemplateError(this.src, at?.pos ?? this.src.length, reason, this.options.label);
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

  /**
   * Nodes up to `{{else}}`/`{{end}}` (returned as `stop`, after its `{{`) or the end of the
   * template. `{{define}}` is allowed only at the top level, as in Go.
   */
  private parseList(topLevel = false): { nodes: Node[]; stop?: Token } {
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
        switch (first.value) {
          case 'end': case 'else':
            return { nodes, stop: first };
          case 'if': case 'with': case 'range':
            nodes.push(this.parseControl(first.value));
            continue;
          case 'define':
            if (!topLevel) throw this.error(first, 'unexpected {{define}}: it is allowed only at the top level');
            this.parseDefinition(first);
            continue;
          case 'template': case 'block':
            nodes.push(this.parseTemplateCall(first));
            continue;
          case 'break': case 'continue':
            if (this.rangeDepth === 0) throw this.error(first, `{{${first.value}}} outside {{range}}`);
            this.expect('close', '}}');
            nodes.push({ type: first.value, pos: first.pos });
            continue;
          default:
            throw this.error(first, `unexpected {{${first.value}}}`);
        }
      }
      const pipe = this.parsePipeline(true);
      this.expect('close', '}}');
      nodes.push({ type: 'action', pipe });
    }
    return { nodes };
  }

  /** Runs `body` as a separate template: its own variables, `$` and `.` of unknown type. */
  private asTemplate<T>(body: () => T): T {
    const saved = { scopes: this.scopes, dots: this.dots, rangeDepth: this.rangeDepth };
    this.scopes = [new Map([['', 'any']])];
    this.dots = ['any'];
    this.rangeDepth = 0;
    try {
      return body();
    } finally {
      ({ scopes: this.scopes, dots: this.dots, rangeDepth: this.rangeDepth } = saved);
    }
  }

  private templateName(keyword: Token): Token {
    const name = this.next();
    if (name.kind !== 'string') throw this.error(name, `{{${keyword.value}}} needs a template name in quotes, got ${describe(name)}`);
    return name;
  }

  private define(name: Token, nodes: readonly Node[]): void {
    const existing = this.templates.get(name.value);
    if (existing && !isEmpty(existing) && !isEmpty(nodes)) throw this.error(name, `multiple definition of template ${JSON.stringify(name.value)}`);
    if (!existing || isEmpty(existing)) this.templates.set(name.value, nodes);
  }

  /** `{{define "name"}}…{{end}}` after its keyword. */
  private parseDefinition(keyword: Token): void {
    const name = this.templateName(keyword);
    this.expect('close', '}}');
    const body = this.asTemplate(() => this.parseList());
    if (body.stop?.value !== 'end') throw this.error(body.stop ?? keyword, `{{define ${JSON.stringify(name.value)}}} must be closed by {{end}}`);
    this.expect('close', '}}');
    this.define(name, body.nodes);
  }

  /** `{{template "name" [pipeline]}}`, or `{{block "name" pipeline}}…{{end}}` (define and call). */
  private parseTemplateCall(keyword: Token): Node {
    const name = this.templateName(keyword);
    const pipe = this.peek()?.kind === 'close' ? undefined : this.parsePipeline(false);
    this.expect('close', '}}');
    if (keyword.value === 'block') {
      if (!pipe) throw this.error(keyword, '{{block}} needs a pipeline after the name');
      const body = this.asTemplate(() => this.parseList());
      if (body.stop?.value !== 'end') throw this.error(body.stop ?? keyword, `{{block ${JSON.stringify(name.value)}}} must be closed by {{end}}`);
      this.expect('close', '}}');
      this.define(name, body.nodes);
    }
    this.calls.push({ name: name.value, pos: name.pos });
    return { type: 'template', pos: keyword.pos, name: name.value, ...(pipe && { pipe }) };
  }

  /** `if`/`with`/`range` after its keyword, through its `{{end}}` (shared by an `{{else if}}` chain). */
  private parseControl(type: 'if' | 'with' | 'range'): Node {
    this.scopes.push(new Map());
    try {
      const pipe = this.parsePipeline(true, type === 'range');
      this.expect('close', '}}');
      const pipeType = this.pipelineType(pipe);
      if (type === 'range') this.rangeDepth++;
      let list;
      try {
        list = this.inScope(type === 'with' ? pipeType : type === 'range' ? 'any' : undefined, () => this.parseList());
      } finally {
        if (type === 'range') this.rangeDepth--;
      }
      if (list.stop?.value !== 'else') {
        if (!list.stop) throw this.error(undefined, `unexpected end of template: {{${type}}} has no {{end}}`);
        this.expect('close', '}}');
        return { type, pipe, list: list.nodes, elseList: [] };
      }
      // As in Go: {{else if}} continues an if, {{else with}} a with.
      const chained = this.peek();
      if (chained?.kind === 'keyword' && chained.value === type && type !== 'range') {
        this.i++;
        const nested = this.inScope(undefined, () => this.parseControl(type));
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

  private parsePipeline(allowVariable: boolean, inRange = false): Pipeline {
    const start = this.peek();
    let variable: Pipeline['variable'];
    let rangeVariables: Pipeline['rangeVariables'];
    const op = this.peek(1);
    if (inRange && start?.kind === 'variable' && op?.kind === 'comma') {
      const second = this.peek(2);
      const assign = this.peek(3);
      if (second?.kind !== 'variable') throw this.error(second ?? start, 'range can only initialize variables');
      if (assign?.kind !== 'declare' && assign?.kind !== 'assign') throw this.error(assign ?? second, `expected := or = after $${start.value}, $${second.value}`);
      this.i += 4;
      rangeVariables = { names: [start.value, second.value], declare: assign.kind === 'declare' };
    } else if (allowVariable && start?.kind === 'variable' && (op?.kind === 'declare' || op?.kind === 'assign')) {
      this.i += 2;
      if (op.kind === 'assign' && !this.lookupVariable(start.value)) {
        throw this.error(start, `undefined variable "$${start.value}"`);
      }
      if (inRange) rangeVariables = { names: [start.value], declare: op.kind === 'declare' };
      else variable = { name: start.value, declare: op.kind === 'declare' };
    } else if (start?.kind === 'variable' && op?.kind === 'comma') {
      throw this.error(op, 'too many declarations');
    }
    for (const name of rangeVariables && !rangeVariables.declare ? rangeVariables.names : []) {
      if (!this.lookupVariable(name)) throw this.error(start, `undefined variable "$${name}"`);
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
    const pipe: Pipeline = { pos: start?.pos ?? this.src.length, commands, ...(variable && { variable }), ...(rangeVariables && { rangeVariables }) };
    this.types.set(pipe, piped ?? 'any');
    if (variable) {
      const scope = variable.declare ? this.scopes[this.scopes.length - 1] : this.scopes.find((s) => s.has(variable.name));
      scope?.set(variable.name, variable.declare ? (piped ?? 'any') : 'any');
    }
    for (const name of rangeVariables?.declare ? rangeVariables.names : []) this.scopes[this.scopes.length - 1]?.set(name, 'any');
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
      // As in Go, operands are separated by spaces: `1+2.` and `` `x`. `` are errors.
      const after = this.peek();
      if (after && !['pipe', 'close', 'rparen'].includes(after.kind) && after.pos === this.tokens[this.i - 1]?.end) {
        throw this.error(after, `unexpected ${describe(after)} in operand`);
      }
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
    const fn = this.functions[name];
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
      case 'char': // a character constant is an int (its code point), as in Go
        return { operand: { type: 'literal', value: Number(t.value), pos }, type: 'number' };
      case 'number': {
        let value;
        try {
          value = numberValue(t.value);
        } catch (err) {
          throw this.error(t, (err as Error).message);
        }
        return { operand: { type: 'literal', value, pos }, type: 'number' };
      }
      case 'bool':
        return { operand: { type: 'literal', value: t.value === 'true', pos }, type: 'bool' };
      case 'nil':
        return { operand: { type: 'literal', value: null, pos }, type: 'nil' };
      case 'identifier': {
        if (!this.functions[t.value]) throw this.error(t, `function "${t.value}" not defined`);
        // An identifier used as an argument is a call with no arguments, as in Go.
        const type = isArgument ? this.checkCall(t.value, [], pos) : 'any';
        return { operand: { type: 'function', name: t.value, pos }, type };
      }
      case 'lparen': {
        const pipe = this.parsePipeline(false);
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
      const fields = this.fields ?? [];
      if (!fields.includes(field)) {
        throw this.error(last, `unknown field .${field} (the fields are ${fields.map((f) => `.${f}`).join(', ')})`);
      }
      type = 'string';
    }
    return { operand: { type: 'field', receiver, chain, pos: last.pos }, type };
  }
}

/** Go treats a template of only spaces as empty, so it may be redefined. */
function isEmpty(nodes: readonly Node[]): boolean {
  return nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'close': return '"}}"';
    case 'text': return 'text';
    case 'keyword': case 'identifier': return `"${t.value}"`;
    default: return `${t.kind} ${JSON.stringify(t.value)}`;
  }
}
