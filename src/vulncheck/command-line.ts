/**
 * Splits a scanner command line into argv the way a POSIX shell would tokenise it (no shell is run,
 * nothing is expanded): whitespace separates words, 'single quotes' are literal, "double quotes"
 * allow \" \\ \$ \` escapes, and a backslash outside quotes escapes the next character.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
        if (text[i + 1] !== '\n') word += text[i + 1];
        i++;
      } else word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\') {
      if (i + 1 >= text.length) throw new Error('trailing backslash');
      if (text[i + 1] !== '\n') word += text[i + 1];
      i++;
    } else word += ch;
  }
  if (quote) throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}
