// A relying party built on panva's openid-client (v6), as an outside judge of Latchkey's
// OpenID provider. tests/browser/test_openid_client.py drives it one step at a time, with the
// browser part done by Playwright in between:
//
//   node rp.mjs start '{"issuer", "client_id", "client_secret", "redirect_uri", "scope"?, "login_hint"?}'
//     -> {"url", "state", "nonce", "verifier"}: the authorization URL openid-client built
//   node rp.mjs finish '{... , "callback_url", "state", "nonce", "verifier"}'
//     -> the code exchange (PKCE, state, nonce, ID token checks), the ID token's claims(),
//        userinfo for its sub, and with a refresh token: a refresh and userinfo again
//   node rp.mjs introspect|revoke '{... , "token", "hint"?}'  -> RFC 7662 / RFC 7009
//   node rp.mjs sign-out '{... , "post_logout_redirect_uri", "state"}'
//     -> {"url"}: RP-initiated logout, without an id_token_hint
//
// client_secret null is a public app (token_endpoint_auth_method none). Whatever openid-client
// refuses is printed as {"refused": {...}} with exit status 3; the Python side asserts on it.
import * as client from "openid-client";

async function configure({ issuer, client_id, client_secret }) {
  const auth = client_secret ? client.ClientSecretBasic(client_secret) : client.None();
  // The test server is plain http on loopback: openid-client refuses that unless told.
  return client.discovery(new URL(issuer), client_id, client_secret ?? undefined, auth, {
    execute: [client.allowInsecureRequests],
  });
}

async function start(config, { redirect_uri, scope, login_hint }) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri,
    scope: scope ?? "openid email profile offline_access",
    ...(login_hint ? { login_hint } : {}),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  return { url: url.href, state, nonce, verifier };
}

async function finish(config, { callback_url, state, nonce, verifier }) {
  const tokens = await client.authorizationCodeGrant(config, new URL(callback_url), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const result = {
    token_type: tokens.token_type,
    scope: tokens.scope,
    expires_in: tokens.expiresIn(),
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token ?? null,
    claims,
    // Checks that userinfo's sub is the ID token's.
    userinfo: await client.fetchUserInfo(config, tokens.access_token, claims.sub),
  };
  if (tokens.refresh_token) {
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    result.refreshed = {
      token_type: refreshed.token_type,
      scope: refreshed.scope,
      access_token: refreshed.access_token,
      refresh_token: refreshed.refresh_token ?? null,
      userinfo: await client.fetchUserInfo(config, refreshed.access_token, claims.sub),
    };
  }
  return result;
}

async function introspect(config, { token, hint }) {
  return client.tokenIntrospection(config, token, hint ? { token_type_hint: hint } : {});
}

async function revoke(config, { token, hint }) {
  await client.tokenRevocation(config, token, hint ? { token_type_hint: hint } : {});
  return { revoked: true };
}

async function signOut(config, { post_logout_redirect_uri, state }) {
  return { url: client.buildEndSessionUrl(config, { post_logout_redirect_uri, state }).href };
}

const STEPS = { start, finish, introspect, revoke, "sign-out": signOut };

function refusal(error) {
  const seen = { name: error.name, code: error.code, message: error.message };
  for (const key of ["error", "error_description", "status"]) {
    if (error[key] !== undefined) seen[key] = error[key];
  }
  // What the check compared (expected, attribute, claims, …) or the response's parameters.
  let cause = error.cause;
  if (cause instanceof Error) {
    seen.reason = cause.message; // openid-client's ClientError wraps the check that failed
    cause = cause.cause;
  }
  const plain = (_, value) => (value instanceof URLSearchParams ? Object.fromEntries(value) : value);
  try {
    if (cause !== undefined) seen.cause = JSON.parse(JSON.stringify(cause, plain));
  } catch {
    seen.cause = String(cause);
  }
  return seen;
}

const [step, json] = process.argv.slice(2);
if (!STEPS[step] || !json) {
  console.error(`usage: node rp.mjs ${Object.keys(STEPS).join("|")} '<json>'`);
  process.exit(2);
}
const args = JSON.parse(json);
try {
  const config = await configure(args);
  console.log(JSON.stringify(await STEPS[step](config, args)));
} catch (error) {
  console.log(JSON.stringify({ refused: refusal(error) }));
  process.exit(3);
}
