// The server's JSON API: every request goes through here. An error answer ({error, span}) is thrown.
export async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const v = await r.json();
  if (!r.ok) throw v;
  return v;
}
