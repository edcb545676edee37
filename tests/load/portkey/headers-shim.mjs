// Portkey 1.15.2 appends headers to the upstream's own fetch() Response when it relays a stream; on
// Node 20.20 (undici) those headers are immutable and every streamed request fails with
// "TypeError: immutable". This shim hands Portkey a Response with a mutable copy of the headers (the
// body is the same stream, not copied), so Portkey's streaming works and can be measured.
// Loaded with `node --import`.
const nativeFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const r = await nativeFetch(...args);
  return new Response(r.body, { status: r.status, statusText: r.statusText, headers: new Headers(r.headers) });
};
