// The web page's JSDoc types: its modules type-check with them (checkJs, api/web/tsconfig.page.json),
// and the typedefs of the API's answers in api.mjs say what /openapi.json says of the same answers.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../api/openapi/document';
import { projectRoot } from '../workers/tools';

interface JsonSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  content?: Record<string, { schema: JsonSchema }>;
}

const program = (() => {
  const config = ts.getParsedCommandLineOfConfigFile(join(projectRoot, 'api', 'web', 'tsconfig.page.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (!config) throw new Error('api/web/tsconfig.page.json cannot be read');
  return ts.createProgram({ rootNames: config.fileNames, options: config.options });
})();

/** The answers the page reads, each where /openapi.json describes it. */
function documentedAnswers(): Record<string, JsonSchema> {
  const doc = openApiDocument() as unknown as { components: { schemas: Record<string, JsonSchema> }; paths: Record<string, Record<string, { responses: Record<string, JsonSchema> }>> };
  const schemas = doc.components.schemas;
  const resolve = (s: JsonSchema | undefined): JsonSchema => {
    if (!s) throw new Error('the document lacks a schema the page reads');
    return s.$ref ? resolve(schemas[s.$ref.replace('#/components/schemas/', '')]) : s;
  };
  const videoStatus = resolve(schemas.VideoStatus);
  const videoPage = resolve(doc.paths['/v1/videos']?.get?.responses['200']?.content?.['application/json']?.schema);
  return {
    StageState: resolve(videoStatus.properties?.stages?.additionalProperties as JsonSchema | undefined),
    VideoListing: resolve(videoPage.properties?.videos?.items),
    VideoPage: videoPage,
    VideoStatus: videoStatus,
    UploadAccepted: resolve(schemas.UploadAccepted),
    SegmentProgress: resolve(schemas.SegmentProgress),
  };
}

/** A JSON schema type as the typedef writes it. */
const tsName: Record<string, string> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' };

describe('the web page\'s types', () => {
  it('type-checks every module of the page', () => {
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(problems).toEqual([]);
  });

  it('types each answer of the API as /openapi.json documents it', () => {
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(join(projectRoot, 'api', 'web', 'public', 'api.mjs'));
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error('api.mjs is not in the page\'s program');
    const typedefs = checker.getExportsOfModule(module).filter((s) => s.flags & ts.SymbolFlags.TypeAlias);
    const answers = documentedAnswers();
    expect(typedefs.map((s) => s.name).sort()).toEqual(Object.keys(answers).sort());

    const mismatches: string[] = [];
    for (const typedef of typedefs) {
      const schema = answers[typedef.name]!;
      const required = new Set(schema.required ?? []);
      // Only an open schema (a status may carry more) may have members it does not name.
      const open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
      const props = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(typedef));
      for (const prop of props) {
        const where = `${typedef.name}.${prop.name}`;
        const documented = schema.properties?.[prop.name];
        if (!documented) {
          if (!open) mismatches.push(`${where}: not in the document`);
          continue;
        }
        const optional = Boolean(prop.flags & ts.SymbolFlags.Optional);
        if (optional === required.has(prop.name)) mismatches.push(`${where}: ${optional ? 'optional' : 'required'} here, the other way in the document`);
        const expected = documented.type && tsName[documented.type];
        const actual = checker.typeToString(checker.getNonNullableType(checker.getTypeOfSymbol(prop)));
        if (expected && actual !== expected) mismatches.push(`${where}: ${actual} here, ${documented.type} in the document`);
      }
      const typed = new Set(props.map((p) => p.name));
      for (const name of required) if (!typed.has(name)) mismatches.push(`${typedef.name}.${name}: required in the document, missing here`);
    }
    expect(mismatches).toEqual([]);
  });
});
