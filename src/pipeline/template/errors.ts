import { ReimageError } from '../../errors.js';

/** A template that cannot be compiled or executed; names the template, the line and the column. */
export class TemplateError extends ReimageError {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly reason: string,
    /** What the template is, for the message: "rename template", "report template r.tmpl". */
    readonly label = 'rename template',
  ) {
    const before = source.slice(0, offset);
    const line = before.split('\n').length;
    const col = offset - before.lastIndexOf('\n');
    // A template read from a file is named by its file; an inline one is quoted.
    const what = label === 'rename template' ? `${label} ${JSON.stringify(source)}` : label;
    super(`${what}: ${line}:${col}: ${reason}`);
  }
}
