// SPDX-License-Identifier: Apache-2.0
// identity.mjs - X-Aigate-Identity against a real LangGraph.js server that
// runs contrib/langgraph/aigate_auth.mjs (tests/integration/gate-langgraph.sh).
// Environment: LG_GATE, LG_BACKEND, LG_OWNER (an Authorization value),
// LG_KEY_FILE (the gate's identity key, to mint expired tokens), LG_AUDIENCE.
import { Client } from "@langchain/langgraph-sdk";
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
let failed = 0;
const ok = (cond, what, why = "") => {
  console.log(`${cond ? "ok" : "not ok"} - ${what}${cond ? "" : ` (${why})`}`);
  if (!cond) failed++;
};
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const mint = (key, kid, claims, alg = "ES256") => {
  const input = `${b64({ alg, typ: "JWT", kid })}.${b64(claims)}`;
  const sig = alg === "none" ? "" : sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  return `${input}.${sig}`;
};
const straight = async (token) => {
  const headers = { "Content-Type": "application/json" };
  if (token !== undefined) headers["X-Aigate-Identity"] = token;
  const r = await fetch(`${env("LG_BACKEND")}/threads/search`, { method: "POST", headers, body: "{}" });
  return r.status;
};

const jr = await fetch(`${env("LG_GATE")}/_aigate/jwks.json`);
const jwks = await jr.json();
const kid = jwks.keys?.[0]?.kid;
ok(jr.status === 200 && jwks.keys.length === 1 && jwks.keys[0].kty === "EC" && jwks.keys[0].alg === "ES256" &&
  !("d" in jwks.keys[0]), "GET /_aigate/jwks.json publishes the public key, without credentials", JSON.stringify(jwks));

const c = new Client({ apiUrl: env("LG_GATE"), defaultHeaders: { Authorization: env("LG_OWNER") }, callerOptions: { maxRetries: 0 } });
try {
  const t = await c.threads.create();
  const w = await c.runs.wait(t.thread_id, "echo", { input: { messages: [{ role: "user", content: "signed" }] } });
  ok(w.messages?.at(-1)?.content === "echo: signed", "through the gate, the server's auth handler accepts the signed identity");
  const st = await c.threads.getState(t.thread_id);
  ok(st.values.messages.length === 2, "... for the gate's own ownership look-ups too");
} catch (e) {
  ok(false, "through the gate, the server's auth handler accepts the signed identity", e.message);
}

const now = Math.floor(Date.now() / 1000);
const good = { iss: "aigate", aud: env("LG_AUDIENCE"), sub: "bob", groups: ["AI_Users"], auth: "basic", request_id: "x", iat: now, exp: now + 30 };
const gateKey = createPrivateKey(readFileSync(env("LG_KEY_FILE")));
const { privateKey: otherKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
ok((await straight()) === 401, "straight to the backend without X-Aigate-Identity: refused");
ok((await straight(mint(otherKey, kid, good))) === 401, "a token signed by another key (the gate's kid): refused");
ok((await straight(mint(gateKey, kid, { ...good, exp: now - 5 }))) === 401, "an expired token: refused");
ok((await straight(mint(gateKey, kid, { ...good, exp: now + 3600 }))) === 401, "a token living longer than 60 s: refused");
ok((await straight(mint(gateKey, kid, { ...good, aud: "another-backend" }))) === 401, "a token for another audience: refused");
ok((await straight(mint(gateKey, kid, good, "none"))) === 401, "alg none: refused");
ok((await straight("garbage")) === 401, "a header that is no JWS: refused");
ok((await straight(mint(gateKey, kid, good))) === 200, "a fresh token of the gate's key is accepted (the check is not a blanket refusal)");
console.log(failed ? `# ${failed} failed` : "# all passed");
process.exit(failed ? 1 : 0);
