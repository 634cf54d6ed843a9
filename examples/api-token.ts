/**
 * The demo's HTTP API takes only requests that carry its secret, `Authorization: Bearer <API_TOKEN>`.
 * With no API_TOKEN configured it takes none: a Worker deployed without the secret stays closed.
 * Returns the refusal, or undefined to let the request through.
 */
export async function refuseWithoutToken(request: Request, env: Env): Promise<Response | undefined> {
  // Typed as a string, but absent when neither .dev.vars nor `wrangler secret put` set it.
  if (!env.API_TOKEN) {
    return Response.json(
      {
        error:
          "The HTTP API is off until it has a token: set API_TOKEN in .dev.vars (see .dev.vars.example), or with " +
          "`wrangler secret put API_TOKEN` when deployed",
      },
      { status: 503 },
    );
  }
  const given = /^Bearer +(\S+)$/i.exec(request.headers.get("Authorization") ?? "")?.[1];
  if (given !== undefined && (await sameSecret(given, env.API_TOKEN))) return undefined;
  return Response.json(
    { error: "Send the API token: Authorization: Bearer <API_TOKEN>" },
    { status: 401, headers: { "WWW-Authenticate": "Bearer" } },
  );
}

/**
 * Compares in constant time. Both sides are hashed first: timingSafeEqual needs equal lengths, and
 * comparing digests does not give away the token's length either.
 */
async function sameSecret(given: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(secret)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}
