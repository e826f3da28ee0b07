// The web console: static HTML/JS/CSS (plain ES modules, no build step) served at `/` and `/console/`, talking to the
// same HTTP API with the bearer token the operator enters (kept in the tab's sessionStorage). Pages render with DOM
// text nodes only (never innerHTML with data), and a Content-Security-Policy allows scripts from this origin only,
// so a host or LPAR name coming from a device cannot run as code. `GET /console/identity` tells the page the token's
// name and role (it hides the operator buttons from viewers; the API enforces the roles either way).
import express from 'express';
import { authenticate, type ApiToken } from '../access.js';

const STATIC = new URL('./static/', import.meta.url).pathname;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function consoleRoutes(app: express.Express, tokens: readonly ApiToken[]): void {
  const secure: express.RequestHandler = (_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  };
  app.get('/', secure, (_req, res) => res.sendFile('index.html', { root: STATIC }));
  app.get('/console/identity', authenticate(tokens), (_req, res) =>
    res.json({ name: String(res.locals.caller), role: String(res.locals.role) }),
  );
  app.use('/console', secure, express.static(STATIC, { index: 'index.html', fallthrough: true }));
}
