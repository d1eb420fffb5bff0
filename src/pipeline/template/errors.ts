import { ReimageError } from '../../errors.js';

/** A rename template that cannot be compiled or executed; names the line and column. */
export class TemplateError extends ReimageError {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    const before = source.slice(0, offset);
    const line = before.split('\n').length;
    const col = offset - before.lastIndexOf('\n');
    super(`rename template ${JSON.stringify(source)}: ${line}:${col}: ${reason}`);
  }
}
