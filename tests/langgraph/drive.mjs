// SPDX-License-Identifier: Apache-2.0
// drive.mjs - the LangGraph ownership cases, through the gate, with the real
// @langchain/langgraph-sdk Client (tests/integration/gate-langgraph.sh).
// Prints one TAP-like line per case: "ok - WHAT" or "not ok - WHAT (why)".
// Environment: LG_GATE (the gate's URL), LG_BACKEND (the LangGraph server,
// straight), LG_OWNER, LG_OTHER, LG_ADMIN (each "Authorization" header
// value: two AI_Users and an admin), LG_OWNER_NAME, LG_OTHER_NAME.
import { Client } from "@langchain/langgraph-sdk";

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const gate = env("LG_GATE");
const client = (auth) =>
  new Client({
    apiUrl: gate,
    defaultHeaders: { Authorization: auth },
    callerOptions: { maxRetries: 0 },
  });
const owner = client(env("LG_OWNER"));
const other = client(env("LG_OTHER"));
const admin = client(env("LG_ADMIN"));
const ownerName = env("LG_OWNER_NAME");
const otherName = env("LG_OTHER_NAME");
const backend = new Client({ apiUrl: env("LG_BACKEND"), callerOptions: { maxRetries: 0 } });
const input = (text) => ({ messages: [{ role: "user", content: text }] });

let failed = 0;
const ok = (cond, what, why = "") => {
  console.log(`${cond ? "ok" : "not ok"} - ${what}${cond ? "" : ` (${why})`}`);
  if (!cond) failed++;
};
// the HTTP status a call ends with: 200 when it resolves
const statusOf = async (p) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return e.status ?? `error: ${e.message}`;
  }
};
const expect404 = async (p, what) => {
  const s = await statusOf(p);
  ok(s === 404, what, `status ${s}`);
};
const drain = async (gen) => {
  const events = [];
  for await (const chunk of gen) events.push(chunk.event);
  return events;
};
const raw = async (auth, method, path, body) => {
  const r = await fetch(gate + path, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, text: await r.text() };
};

// --- the owner's thread
const t = await owner.threads.create({ metadata: { [process.env.LG_OWNER_KEY ?? "owner"]: otherName, topic: "t1" } });
ok(t.metadata.owner === ownerName, "POST /threads records the caller as owner, whatever the client sent", JSON.stringify(t.metadata));
const w = await owner.runs.wait(t.thread_id, "echo", { input: input("hello") });
ok(w.messages?.at(-1)?.content === "echo: hello", "the owner runs the thread (wait)", JSON.stringify(w));
const modes = ["values", "updates", "messages", "events", "debug", "custom"];
const ev = await drain(owner.runs.stream(t.thread_id, "echo", { input: input("again"), streamMode: modes }));
for (const m of ["values", "updates", "events", "debug"])
  ok(ev.some((e) => e === m || e.startsWith(`${m}|`)), `stream mode ${m} passes the gate`, ev.join(","));
ok(ev.some((e) => e.startsWith("messages")), "stream mode messages passes the gate", ev.join(","));
const st = await owner.threads.getState(t.thread_id);
ok(st.values.messages.length === 4, "the owner reads the state", JSON.stringify(st.values).slice(0, 200));
const hist = await owner.threads.getHistory(t.thread_id);
ok(hist.length > 0, "the owner reads the history");

// a background run, its stream joined, then joined again from an event id
const run = await owner.runs.create(t.thread_id, "echo", { input: input("bg"), streamMode: ["values"] });
const joined = await drain(owner.runs.joinStream(t.thread_id, run.run_id));
ok(joined.includes("values"), "the owner joins a run's stream", joined.join(","));
await owner.runs.join(t.thread_id, run.run_id);

// a resumable run: a client that takes up its stream again with
// Last-Event-ID gets the events after that one, and only those
const sseIds = async (path, lastEventId) => {
  const headers = { Authorization: env("LG_OWNER") };
  if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
  const r = await fetch(gate + path, { headers });
  const text = await r.text();
  return { status: r.status, ids: [...text.matchAll(/^id: *(\S+)/gm)].map((m) => m[1]) };
};
const rr = await raw(env("LG_OWNER"), "POST", `/threads/${t.thread_id}/runs`,
  { assistant_id: "echo", input: input("resume"), stream_mode: ["values", "updates"], stream_resumable: true });
const rrun = JSON.parse(rr.text);
// wait for the end by polling the run: a join would read (and, on this
// in-memory server, take) the run's events
for (let i = 0; i < 100; i++) {
  const st = await owner.runs.get(t.thread_id, rrun.run_id);
  if (st.status !== "pending" && st.status !== "running") break;
  await new Promise((r) => setTimeout(r, 100));
}
const streamPath = `/threads/${t.thread_id}/runs/${rrun.run_id}/stream`;
const whole = await sseIds(streamPath, "-1");
const rest = await sseIds(streamPath, whole.ids[0]);
ok(whole.status === 200 && whole.ids.length >= 2, "a resumable run's stream is replayed from the start", JSON.stringify(whole));
ok(rest.status === 200 && JSON.stringify(rest.ids) === JSON.stringify(whole.ids.slice(1)),
  "Last-Event-ID passes the gate: the reconnect gets the rest", `${JSON.stringify(rest.ids)} vs ${JSON.stringify(whole.ids)}`);

// --- the other user
await expect404(other.threads.get(t.thread_id), "another user: GET /threads/{id} is 404");
await expect404(other.threads.getState(t.thread_id), "another user: state is 404");
await expect404(other.threads.getHistory(t.thread_id), "another user: history is 404");
await expect404(other.runs.wait(t.thread_id, "echo", { input: input("steal") }), "another user: run (wait) is 404");
await expect404(drain(other.runs.stream(t.thread_id, "echo", { input: input("steal") })), "another user: run (stream) is 404");
await expect404(other.runs.list(t.thread_id), "another user: list runs is 404");
await expect404(other.runs.get(t.thread_id, run.run_id), "another user: GET run is 404");
await expect404(other.runs.join(t.thread_id, run.run_id), "another user: join is 404");
await expect404(drain(other.runs.joinStream(t.thread_id, run.run_id)), "another user: join stream is 404");
await expect404(other.runs.cancel(t.thread_id, run.run_id), "another user: cancel is 404");
const byId = await raw(env("LG_OTHER"), "GET", `/runs/${run.run_id}/stream`);
ok(byId.status === 403 && !byId.text.includes("values"), "another user cannot join a run by its id alone (/runs/{run}/stream)", `${byId.status} ${byId.text.slice(0, 80)}`);
const cron = await raw(env("LG_OTHER"), "POST", "/runs/crons", { assistant_id: "echo", schedule: "* * * * *", thread_id: t.thread_id });
ok(cron.status === 403, "another user cannot make a cron through /runs/crons", cron.status);
await expect404(other.threads.copy(t.thread_id), "another user: copy is 404");
await expect404(other.threads.update(t.thread_id, { metadata: { owner: otherName } }), "another user: PATCH is 404");
await expect404(other.threads.updateState(t.thread_id, { values: input("x") }), "another user: POST state is 404");
await expect404(other.threads.delete(t.thread_id), "another user: DELETE is 404");
const seen = await other.threads.search({ limit: 100 });
ok(!seen.some((x) => x.thread_id === t.thread_id), "another user: search does not list the thread");
const seen2 = await other.threads.search({ metadata: { owner: ownerName }, limit: 100 });
ok(!seen2.some((x) => x.thread_id === t.thread_id), "another user: a search filtering on the owner's name does not list it");
const count = await raw(env("LG_OTHER"), "POST", "/threads/count", {});
ok(count.status !== 200 || JSON.parse(count.text) === seen.length, "another user: /threads/count counts only theirs", count.text);

// the refusal looks like a missing thread
const missing = "00000000-0000-4000-8000-000000000001";
const a = await raw(env("LG_OTHER"), "GET", `/threads/${t.thread_id}`);
const b = await raw(env("LG_OTHER"), "GET", `/threads/${missing}`);
ok(a.status === 404 && b.status === 404 && a.text.replace(t.thread_id, "ID") === b.text.replace(missing, "ID"),
  "a thread of another owner and a missing thread get the same 404 body", `${a.text} / ${b.text}`);
const bad = await raw(env("LG_OTHER"), "GET", `/threads/not-a-uuid/state`);
ok(bad.status === 404, "a thread id that is no UUID is 404", bad.status);

// the owner key cannot be changed or dropped
await owner.threads.update(t.thread_id, { metadata: { owner: otherName, topic: "t2" } });
let now = await owner.threads.get(t.thread_id);
ok(now.metadata.owner === ownerName && now.metadata.topic === "t2", "PATCH cannot change the owner key", JSON.stringify(now.metadata));
await owner.threads.update(t.thread_id, { metadata: { owner: null } });
now = await owner.threads.get(t.thread_id);
ok(now.metadata.owner === ownerName, "PATCH cannot remove the owner key", JSON.stringify(now.metadata));
const mine = await owner.threads.search({ metadata: { owner: otherName }, limit: 100 });
ok(mine.some((x) => x.thread_id === t.thread_id), "the owner's search is forced to the owner's threads");

// copy: the copy is the caller's
const cp = await owner.threads.copy(t.thread_id);
ok(cp.metadata.owner === ownerName && cp.thread_id !== t.thread_id, "the owner copies the thread: the copy is the owner's", JSON.stringify(cp.metadata));

// a run that creates its thread
const fresh = "00000000-0000-4000-8000-" + String(Date.now() % 1e12).padStart(12, "0");
const cr = await other.runs.wait(fresh, "echo", { input: input("new"), ifNotExists: "create" });
ok(cr.messages?.at(-1)?.content === "echo: new", "a run with if_not_exists create makes a thread", JSON.stringify(cr));
const ft = await other.threads.get(fresh);
ok(ft.metadata.owner === otherName, "... owned by the caller", JSON.stringify(ft.metadata));
await expect404(owner.threads.get(fresh), "... and not visible to the first user");
await expect404(owner.runs.wait(fresh, "echo", { input: input("x"), ifNotExists: "create" }), "a run with if_not_exists create on another's thread is 404");
const taken = await raw(env("LG_OWNER"), "POST", "/threads", { thread_id: fresh, if_exists: "do_nothing" });
ok(taken.status !== 200 && !taken.text.includes("echo: new"), "POST /threads with another's thread_id does not hand it over", `${taken.status} ${taken.text.slice(0, 120)}`);

// the admin sees both
const ta = await admin.threads.get(t.thread_id);
ok(ta.thread_id === t.thread_id, "the admin reads the first user's thread");
const tb = await admin.threads.get(fresh);
ok(tb.thread_id === fresh, "the admin reads the second user's thread");
const acp = await admin.threads.copy(t.thread_id);
ok(acp.metadata.owner === env("LG_ADMIN_NAME") && acp.thread_id !== t.thread_id, "the admin's copy of a user's thread is the admin's", JSON.stringify(acp.metadata));
const acpState = await admin.threads.getState(acp.thread_id);
ok(acpState.values?.messages?.length > 0, "... with the thread's state", JSON.stringify(acpState.values).slice(0, 100));
await expect404(owner.threads.get(acp.thread_id), "... and not the user's");
const all = await admin.threads.search({ limit: 1000 });
ok(all.some((x) => x.thread_id === t.thread_id) && all.some((x) => x.thread_id === fresh), "the admin's search lists both");

// a thread made on the backend directly has no owner
const direct = await backend.threads.create({ metadata: { topic: "direct" } });
await expect404(owner.threads.get(direct.thread_id), "a thread made on the backend directly is 404 to a user");
await expect404(owner.runs.wait(direct.thread_id, "echo", { input: input("x") }), "... and cannot be run by a user");
const dd = await admin.threads.get(direct.thread_id);
ok(dd.thread_id === direct.thread_id, "... but the admin reads it");

// the store, per user
await owner.store.putItem([ownerName, "memories"], "k1", { fact: "likes tea" });
const got = await owner.store.getItem([ownerName, "memories"], "k1");
ok(got?.value?.fact === "likes tea", "a user puts and gets a store item in their namespace", JSON.stringify(got));
ok((await statusOf(other.store.getItem([ownerName, "memories"], "k1"))) === 403, "another user cannot get it");
ok((await statusOf(other.store.putItem([ownerName, "memories"], "k1", { fact: "x" }))) === 403, "another user cannot overwrite it");
ok((await statusOf(other.store.deleteItem([ownerName, "memories"], "k1"))) === 403, "another user cannot delete it");
const srch = await other.store.searchItems([]);
ok(!srch.items.some((i) => i.namespace[0] === ownerName), "another user's store search does not see it", JSON.stringify(srch.items));
ok((await statusOf(other.store.searchItems([ownerName]))) === 403, "another user cannot search the owner's namespace");
const ns = await other.store.listNamespaces();
ok(!ns.namespaces.some((n) => n[0] === ownerName), "another user's namespace list does not show it", JSON.stringify(ns));
const own = await owner.store.searchItems([ownerName]);
ok(own.items.some((i) => i.key === "k1"), "the owner's search finds it");
const odd = await raw(env("LG_OTHER"), "GET", `/store/items?namespace=${encodeURIComponent(otherName)}&nam%65space=${encodeURIComponent(ownerName)}&key=k1`);
ok(odd.status === 403, "two namespace parameters (one encoded) are refused", odd.status);

console.log(failed ? `# ${failed} failed` : "# all passed");
process.exit(failed ? 1 : 0);
