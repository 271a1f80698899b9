// A local OpenID Connect provider for the sign-in tests (oauth2-mock-server, no login form).
//
//   node tests/oidc/server.mjs PORT IDENTITY_FILE
//
// IDENTITY_FILE is a small JSON file {"email": ..., "name": ...} naming who signs in next; it is
// read afresh at every /authorize, so a test can sign in as different people one after another
// by rewriting it (tests/conftest.py: `oidc_provider.sign_in_as(email, name)`). Every /authorize
// is approved at once; the person named at that moment is bound to the code it hands out, so the
// tokens (and /userinfo for their access token) name that person even if the file changes
// before the code is exchanged. `sub` is the email itself: stable for a person.
//
// With OIDC_EXIT_ON_STDIN_EOF=1 the server exits when its stdin closes (the test process that
// started it is gone), so a killed test run leaves no provider behind.
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';

// jose (under oauth2-mock-server) uses the global WebCrypto; make sure older node has it too.
if (globalThis.crypto === undefined) globalThis.crypto = webcrypto;
const { OAuth2Server } = await import('oauth2-mock-server');

const port = Number(process.argv[2] || 19010);
const identityFile = process.argv[3];

/** The person IDENTITY_FILE names right now (a demo visitor without a file). */
function currentPerson() {
  if (!identityFile) return person('demo@example.com', 'Demo Visitor');
  const { email, name } = JSON.parse(readFileSync(identityFile, 'utf8'));
  if (typeof email !== 'string' || email === '') {
    throw new Error(`${identityFile}: no "email" in it`);
  }
  return person(email, typeof name === 'string' && name !== '' ? name : email);
}

function person(email, name) {
  return { sub: email, email, email_verified: true, name };
}

/** The claims carried by a bearer token this server signed (no check needed: it is ours). */
function personInBearer(req) {
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\./i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8'));
    if (typeof claims.email !== 'string') return undefined;
    return person(claims.email, claims.name ?? claims.email);
  } catch {
    return undefined;
  }
}

const personByCode = new Map();

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

server.service.on('beforeAuthorizeRedirect', (redirect, _req) => {
  const code = redirect.url.searchParams.get('code');
  if (code) personByCode.set(code, currentPerson());
});

server.service.on('beforeTokenSigning', (token, req) => {
  const code = req.body?.grant_type === 'authorization_code' ? req.body.code : undefined;
  Object.assign(token.payload, personByCode.get(code) ?? currentPerson());
});

server.service.on('beforeResponse', (_response, req) => {
  // Both tokens are signed by now: a code is good for one exchange.
  if (req.body?.code !== undefined) personByCode.delete(req.body.code);
});

server.service.on('beforeUserinfo', (userInfoResponse, req) => {
  userInfoResponse.body = personInBearer(req) ?? currentPerson();
});

server.issuer.url = `http://127.0.0.1:${port}`; // the default would be http://localhost:<port>
await server.start(port, '127.0.0.1');
console.log('OIDC issuer:', server.issuer.url);

// Nothing to flush or save: exit at once (server.stop() would wait for keep-alive connections).
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.OIDC_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
