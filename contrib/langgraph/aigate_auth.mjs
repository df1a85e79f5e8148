// SPDX-License-Identifier: Apache-2.0
// LangGraph.js custom auth that accepts only requests that came through aigate: X-Aigate-Identity must be an
// ES256 JWS from the gate's key (GET /_aigate/jwks.json), for this audience, not expired. langgraph.json:
// "auth": {"path": "./aigate_auth.mjs:auth"}; env AIGATE_JWKS_URL (the gate's jwks.json), AIGATE_AUDIENCE.
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { createPublicKey, verify } from "node:crypto";
let keys; // kid -> public key, fetched once (restart the server when the gate's key changes)
const jwks = async () => (keys ??= new Map((await (await fetch(process.env.AIGATE_JWKS_URL)).json()).keys
  .filter((k) => k.kty === "EC" && k.crv === "P-256").map((k) => [k.kid, createPublicKey({ key: k, format: "jwk" })])));
const json = (part) => JSON.parse(Buffer.from(part, "base64url").toString());
const claims = async (token) => {
  const [h, p, s, extra] = token.split("."), head = json(h), key = (await jwks()).get(head.kid);
  if (extra !== undefined || head.alg !== "ES256" || !key) return null;
  const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  const c = ok && json(p), now = Date.now() / 1000;
  return c && c.iss === "aigate" && c.aud === process.env.AIGATE_AUDIENCE && c.exp > now && c.exp - now <= 60 ? c : null;
};
export const auth = new Auth().authenticate(async (request) => {
  const c = await claims(request.headers.get("x-aigate-identity") ?? "").catch(() => null);
  if (!c || typeof c.sub !== "string") throw new HTTPException(401, { message: "not through the gate" });
  return { identity: c.sub, groups: c.groups, permissions: [] };
});
