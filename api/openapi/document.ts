// GET /openapi.json: the document of every route registered by the files imported here.
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registry } from './registry';
import './legacy';
import './models';
import './service';
import './uploads';
import './videos';

let generated: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  generated ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'BING API', version: '1',
      description: 'Sports video in, broadcast-style commentary out. Errors are application/problem+json (RFC 9457).',
    },
  });
  return generated;
}
