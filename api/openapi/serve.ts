// GET /openapi.json, and Swagger UI at /docs from the installed swagger-ui-dist (nothing from a CDN).
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { openApiDocument } from './document';

const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));

const page = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>BING API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
`;

const start = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;

export function openApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  router.get('/docs/start.js', (_req, res) => {
    res.type('text/javascript').send(start);
  });
  router.use('/docs', express.static(swaggerUiDir, { index: false, redirect: false }));
  return router;
}
