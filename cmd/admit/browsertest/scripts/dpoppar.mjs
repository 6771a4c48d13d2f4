// A public client (an SPA) written with oauth4webapi, a certified client
// library, signing in through Admit with a pushed authorization request
// (RFC 9126) and DPoP-bound tokens (RFC 9449): PAR with a DPoP proof (the
// code is bound to the key), the hosted login in Chromium, the code
// exchange, userinfo and a refresh, all with DPoP; server nonces are
// handled the way the library documents (retry once on use_dpop_nonce).
// Then the same access token presented as a Bearer token.
//
// Environment: ISSUER, CLIENT_ID (a public client), REDIRECT_URI (one of
// its registered redirect URIs; nothing needs to listen there), EMAIL,
// PASSWORD, SCREENSHOT_DIR.
// Reports: RESULT {"requestURI", "expiresIn", "tokenType", "jwk", "cnf",
// "sub", "userinfoSub", "refreshTokenType", "refreshCnf",
// "refreshRotated", "bearerStatus", "bearerChallenge"}.

import * as oauth from 'oauth4webapi';
import { requireEnv, result, run, screenshot } from './lib.mjs';

const issuer = new URL(requireEnv('ISSUER'));
const clientID = requireEnv('CLIENT_ID');
const redirectURI = requireEnv('REDIRECT_URI');
const email = requireEnv('EMAIL');
const password = requireEnv('PASSWORD');

// The test issuer is plain http on a loopback address.
const insecure = { [oauth.allowInsecureRequests]: true };

// withNonceRetry runs a request and its processing once more when the
// server asks for a DPoP nonce; the DPoP handle has kept the nonce from
// the DPoP-Nonce header of the refusal.
async function withNonceRetry(request, processResponse) {
  try {
    return await processResponse(await request());
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return await processResponse(await request());
  }
}

function payload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

await run(async (page) => {
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client = { client_id: clientID };
  const clientAuth = oauth.None();
  const keyPair = await oauth.generateKeyPair('ES256');
  const DPoP = oauth.DPoP(client, keyPair);
  // The public key, for the Go side to compute its thumbprint with go-jose.
  const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey);

  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const params = new URLSearchParams({
    redirect_uri: redirectURI, response_type: 'code', scope: 'openid profile offline_access',
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', state, nonce,
  });
  const par = await withNonceRetry(
    () => oauth.pushedAuthorizationRequest(as, client, clientAuth, params, { DPoP, ...insecure }),
    (res) => oauth.processPushedAuthorizationResponse(as, client, res),
  );

  // The browser goes to /authorize with client_id and request_uri only.
  const authURL = new URL(as.authorization_endpoint);
  authURL.searchParams.set('client_id', clientID);
  authURL.searchParams.set('request_uri', par.request_uri);
  const redirectOrigin = new URL(redirectURI).origin;
  await page.route(`${redirectOrigin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback' }));
  await page.goto(authURL.href);
  await page.locator('[data-testid=login-form]').waitFor();
  await screenshot(page, 'par-login.png');
  await page.fill('[data-testid=email]', email);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=submit]');
  const isCallback = (url) => url.origin === redirectOrigin;
  await Promise.race([page.waitForURL(isCallback), page.locator('[data-testid=consent-form]').waitFor()]);
  if (!isCallback(new URL(page.url()))) {
    await page.click('[data-testid=allow]');
    await page.waitForURL(isCallback);
  }

  const callbackParams = oauth.validateAuthResponse(as, client, new URL(page.url()), state);
  const tokens = await withNonceRetry(
    () => oauth.authorizationCodeGrantRequest(as, client, clientAuth, callbackParams, redirectURI, codeVerifier, { DPoP, ...insecure }),
    (res) => oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: nonce, requireIdToken: true }),
  );
  const claims = oauth.getValidatedIdTokenClaims(tokens);

  // Userinfo requires the server's nonce too (RFC 9449 §9).
  const info = await withNonceRetry(
    () => oauth.userInfoRequest(as, client, tokens.access_token, { DPoP, ...insecure }),
    (res) => oauth.processUserInfoResponse(as, client, claims.sub, res),
  );

  const refreshed = await withNonceRetry(
    () => oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, { DPoP, ...insecure }),
    (res) => oauth.processRefreshTokenResponse(as, client, res),
  );

  // RFC 9449 §7.2: the bound token is refused as a Bearer token.
  let bearerStatus = 0;
  let bearerChallenge = '';
  try {
    await oauth.processUserInfoResponse(as, client, claims.sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
  } catch (err) {
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      bearerStatus = err.response.status;
      bearerChallenge = err.cause.map((c) => `${c.scheme} ${c.parameters.error}`).join(', ');
    } else {
      throw err;
    }
  }

  result({
    requestURI: par.request_uri, expiresIn: par.expires_in, tokenType: tokens.token_type, jwk,
    cnf: payload(tokens.access_token).cnf?.jkt, sub: claims.sub, userinfoSub: info.sub,
    refreshTokenType: refreshed.token_type, refreshCnf: payload(refreshed.access_token).cnf?.jkt,
    refreshRotated: refreshed.refresh_token !== tokens.refresh_token, bearerStatus, bearerChallenge,
  });
});
