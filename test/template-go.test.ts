/**
 * The template engine against Go text/template (and sprig) behaviour, case by case: number
 * constants, lexer strictness, comparisons, range/break/continue, define/template/block, the sprig
 * subset, printing of Go values. Each expected output is what Go 1.24 text/template with
 * sprig.TxtFuncMap() gives for the same template and data; each error case is an error in Go too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GoFloat, GoMap, goStruct, NIL_SLICE, type Value } from '../src/pipeline/template/values.js';
import { ReportTemplate } from '../src/vulncheck/report-template.js';

const cve = goStruct({ ID: 'CVE-1', CVSS: new GoFloat(9.8, 32), Risk: new GoFloat(96.25000000000001, 32), Desc: 'd' });
const DATA: Value = goStruct({
  L: ['a', 'b', 'c'],
  Empty: NIL_SLICE,
  M: new GoMap([['b', 2], ['a', 1]]),
  Typed: new GoMap([['x', 1]], 'map[string]reimage.QualifiedImage'),
  S: 'str',
  N: 5,
  F: new GoFloat(9.8),
  R: goStruct({ CVE: cve, Reason: 'why' }, ['CVE']),
});

const render = (template: string, data: Value = DATA) => ReportTemplate.parse(template, 't.tmpl').render(data);
const error = (template: string, data: Value = DATA): string => {
  try {
    render(template, data);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`${template} did not fail`);
};

const OUTPUTS: Array<[string, string]> = [
  // Number constants: a leading 0 is octal; 0b, 0o, 0x, signs, '_', floats and hex floats.
  ['{{print 0377}}', '255'],
  ['{{print 0b101}}', '5'],
  ['{{print -0x1}}', '-1'],
  ['{{print 0o17 0x1F 1_000 +7}}', '15 31 1000 7'],
  ['{{print 1e3}} {{print 1.5e6}} {{print 0x1p-2}} {{print .5}}', '1000 1.5e+06 0.25 0.5'],
  ["{{print 'a' '\\n' '\\u00e9' '\\x41' '\\''}} {{printf \"%c%q\" 'x' 'y'}}", "97 10 233 65 39 x'y'"],
  ['{{"\\u00e9\\x41\\101\\t"}}', 'éAA\t'],
  ['{{eq 2.0 2.0}}|{{eq 2 2}}|{{lt 1.5 2.5}}', 'true|true|true'],
  ['{{printf "%T %T %T %T %T" 2 2.0 "s" true .R.CVSS}}', 'int float64 string bool float32'],
  ['{{printf "%E|%.2F|%G|%d" 1234.5 1.005 1e-7 1.5}}', '1.234500E+03|1.00|1E-07|%!d(float64=1.5)'],
  // Comments, trim markers.
  ['a {{- /* c */ -}} b', 'ab'],
  ['{{/* c */}}x', 'x'],
  // range over slices, maps (sorted keys), ints; else; break; continue; variables.
  ['{{range .L}}[{{.}}]{{end}}', '[a][b][c]'],
  ['{{range $i, $e := .L}}{{$i}}={{$e}} {{end}}', '0=a 1=b 2=c '],
  ['{{range .Empty}}x{{else}}none{{end}}', 'none'],
  ['{{range $k, $v := .M}}{{$k}}:{{$v}};{{end}}', 'a:1;b:2;'],
  ['{{range 3}}{{.}}{{end}}', '012'],
  ['{{range .L}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', 'a'],
  ['{{range .L}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', 'ac'],
  ['{{$n := 0}}{{range .L}}{{$n = .}}{{end}}{{$n}}', 'c'],
  ['{{range $e := .L}}{{$e}}{{end}}', 'abc'],
  // define, template, block.
  ['{{define "a"}}A{{.}}{{end}}{{template "a" "x"}}{{template "a"}}', 'AxA<no value>'],
  ['{{.M.a}} {{.M.zz}} {{print .M.zz}} {{index .M "zz"}}', '1 <no value> <nil> <nil>'],
  ['{{block "b" .N}}<{{.}}>{{end}}', '<5>'],
  ['{{define "item"}}{{.ID}}={{.CVSS}}{{end}}{{template "item" .R}}', 'CVE-1=9.8'],
  ['{{define "a"}}  {{end}}{{define "a"}}2{{end}}{{template "a"}}', '2'],
  // Printing Go values.
  ['{{.L}} {{.M}} {{.R}} {{.F}} {{.Empty}}', '[a b c] map[a:1 b:2] {{CVE-1 9.8 96.25 d} why} 9.8 []'],
  ['{{printf "%.1f|%v|%d" .F .F .N}}', '9.8|9.8|5'],
  // Scores are float32 in Go: printed at float32 precision, and not equal to the float64 constant.
  ['{{.R.CVSS}} {{.R.Risk}} {{printf "%.10f" .R.CVSS}} {{eq .R.CVSS 9.8}} {{gt .R.CVSS 9.7}}', '9.8 96.25 9.8000001907 false true'],
  ['{{printf "%o|%O|%b|%U|%x|%X|%05d|%-4d|" 8 8 5 233 255 255 -42 7}}', '10|0o10|101|U+00E9|ff|FF|-0042|7   |'],
  ['{{printf "%q|%s|%d|%3s" .L (list 1 "x") (list 1 2) .L}}', '["a" "b" "c"]|[%!s(int=1) x]|[1 2]|[  a   b   c]'],
  ['{{printf "%.3g|%.4g|%.4g|%.5g|%g|%.0g|%v|%v" 1234.5678 123.45 0.00012345 1.5 100000.0 7.0 1e6 123456.0}}', '1.23e+03|123.5|0.0001234|1.5|100000|7|1e+06|123456'],
  ['{{index .M "a"}} {{index .L 1}} {{len .L}} {{len .M}} {{slice .L 1 2}} {{len "héllo"}}', '1 b 3 2 [b] 6'],
  ['{{.R.ID}} {{.R.CVE.ID}} {{.R.Reason}}', 'CVE-1 CVE-1 why'],
  ['{{html "<a&\'b\'>"}} {{urlquery "a b&c"}} {{js "a\'b<"}}', '&lt;a&amp;&#39;b&#39;&gt; a+b%26c a\\\'b\\u003C'],
  // sprig.
  ['{{"a" | quote}} {{squote "b" 1}} {{cat "a" 1 nil "b"}}', '"a" \'b\' \'1\' a 1 b'],
  ['{{list 1 2 3 | join ","}} {{.L | join "-"}}', '1,2,3 a-b-c'],
  ['{{dict "b" 1 "a" "<x>" | toJson}} {{dict "a" 1 | toRawJson}}', '{"a":"\\u003cx\\u003e","b":1} {"a":1}'],
  ['{{toJson .R}} {{toJson .Empty}} {{toJson .L}}', '{"ID":"CVE-1","CVSS":9.8,"Risk":96.25,"Desc":"d","Reason":"why"} null ["a","b","c"]'],
  ['{{toPrettyJson (dict "a" (list 1))}}', '{\n  "a": [\n    1\n  ]\n}'],
  ['{{default "x" ""}} {{default "x" "y"}} {{default "x" .Empty}} {{empty .Empty}} {{empty .R}} {{coalesce "" 0 "z"}}', 'x y x true false z'],
  ['{{ternary "yes" "no" (gt .N 3)}}', 'yes'],
  ['{{title "hello world"}} {{upper "a"}} {{lower "B"}} {{trim "  x "}} {{trimAll "-" "--x--"}}', 'Hello World A b x x'],
  ['{{trunc 3 "abcdef"}} {{trunc -2 "abcdef"}} {{substr 1 3 "abcdef"}} {{abbrev 5 "abcdefgh"}} {{repeat 3 "ab"}}', 'abc ef bc ab... ababab'],
  ['{{indent 2 "a\\nb"}}|{{nindent 1 "c"}}', '  a\n  b|\n c'],
  ['{{add 1 2 3}} {{sub 5 2}} {{mul 2 3 4}} {{div 7 2}} {{mod 7 2}} {{max 1 9 3}} {{min 4 2}} {{add1 .N}} {{int .F}}', '6 3 24 3 1 9 2 6 9'],
  ['{{first .L}} {{last .L}} {{rest .L}} {{initial .L}} {{reverse .L}} {{append .L "d"}} {{prepend .L "z"}}', 'a c [b c] [a b] [c b a] [a b c d] [z a b c]'],
  ['{{has "b" .L}} {{has "z" .L}} {{list 1 1 2 | uniq}} {{without .L "b"}} {{list "" 1 0 "x" | compact}}', 'true false [1 2] [a c] [1 x]'],
  ['{{list "b" "a" "C" | sortAlpha}} {{splitList "," "a,b"}} {{concat .L (list "d")}}', '[C a b] [a b] [a b c d]'],
  ['{{$d := dict "k" "v"}}{{get $d "k"}}|{{get $d "x"}}|{{hasKey $d "k"}}|{{keys $d}}|{{values $d}}', 'v||true|[k]|[v]'],
  ['{{(fromJson "{\\"a\\":[1,2]}").a}} {{fromJson "nope"}}', '[1 2] <nil>'],
  ['{{toString 5}} {{atoi "12"}} {{atoi "x"}} {{float64 "1.5"}}', '5 12 0 1.5'],
  ['{{hasPrefix "a" "abc"}} {{contains "b" "abc"}} {{replace "a" "x" "aa"}} {{nospace " a b "}}', 'true true xx ab'],
];

const ERRORS: Array<[string, RegExp]> = [
  ["{{print 'ab'}}", /malformed character constant/],
  ['{{"\\xff"}}', /escape \\xff is a raw byte, which is not supported/],
  ['{{"\\\'"}}', /invalid escape/],
  ['{{print 08}}', /bad number syntax: "08" \(a leading 0 makes it octal\)/],
  ['{{print 1i}}', /complex number "1i" is not supported/],
  ['{{print 0x}}', /bad number syntax/],
  ['{{print 1__0}}', /bad number syntax/],
  ['{{print 1+2.}}', /unexpected number "\+2\." in operand/],
  ['{{printf `x`.}}', /unexpected dot "\." in operand/],
  ['{{printf "a""b"}}', /unexpected string "b" in operand/],
  ['{{/* c */ }}', /comment ends before closing delimiter/],
  ['{{ /* c */}}', /unexpected "\/" in action/],
  ['{{/* c', /unclosed comment/],
  ['{{eq 2 2.0}}', /incompatible types for comparison: int and float64/],
  ['{{lt 1 2.5}}', /incompatible types for comparison/],
  ['{{eq .L .L}}', /non-comparable type/],
  ['{{break}}', /\{\{break\}\} outside \{\{range\}\}/],
  ['{{if true}}{{continue}}{{end}}', /\{\{continue\}\} outside \{\{range\}\}/],
  ['{{range $i, $e := 3}}{{end}}', /can't use 3 to iterate over more than one variable/],
  ['{{range .S}}{{end}}', /range can't iterate over str/],
  ['{{template "nope"}}', /no such template "nope"/],
  ['{{define "a"}}1{{end}}{{define "a"}}2{{end}}', /multiple definition of template "a"/],
  ['{{if true}}{{define "a"}}{{end}}{{end}}', /\{\{define\}\}: it is allowed only at the top level/],
  ['{{define "r"}}{{template "r" .}}{{end}}{{template "r" 1}}', /exceeded maximum template depth/],
  ['{{nosuch 1}}', /function "nosuch" not defined/],
  ['{{if false}}{{sha256sum "x"}}{{end}}', /function "sha256sum" not defined/],
  ['{{keys .Typed}}', /wrong type for value; expected map\[string\]interface \{\}; got map\[string\]reimage.QualifiedImage/],
  ['{{upper .F}}', /wrong type for value; expected string; got float64/],
  ['{{printf "%*d" 3 1}}', /\* widths and \[n\] argument indexes are not supported/],
  ['{{printf "%[1]d" 1}}', /\* widths and \[n\] argument indexes are not supported/],
  ['{{printf "%#x" 1}}', /the # flag \(in %#x\) is not supported/],
  ['{{printf "%x" 1.5}}', /printf %x of a float is not supported/],
  ['{{printf "%T" .L}}', /printf %T of a list, map or struct is not supported/],
  ['{{upper .R.CVSS}}', /wrong type for value; expected string; got float32/],
  ['{{div 1 0}}', /error calling div: runtime error: integer divide by zero/],
  ['{{.R.Nope}}', /can't evaluate field Nope/],
  ['{{else}}', /unexpected \{\{else\}\}/],
  ['{{with 1}}{{else if 2}}{{end}}', /unexpected|expected/],
];

describe('Go text/template behaviour', () => {
  for (const [template, expected] of OUTPUTS) {
    it(`${JSON.stringify(template)} → ${JSON.stringify(expected)}`, () => assert.equal(render(template), expected));
  }
  for (const [template, message] of ERRORS) {
    it(`${JSON.stringify(template)} is an error`, () => assert.match(error(template), message));
  }

  it('errors name the template file, the line and the column', () => {
    assert.match(error('ok\n{{ nosuch }}'), /^report template t\.tmpl: 2:4: function "nosuch" not defined/);
  });
});
