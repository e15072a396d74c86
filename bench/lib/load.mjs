// HTTP side of the benchmark: the token request, a sanity check, and the autocannon runs.
import autocannon from 'autocannon';

const CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function tokenRequest(target, port, secret) {
  return {
    url: `http://127.0.0.1:${port}${target.path}`,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: target.clientId,
      client_secret: secret,
      scope: 'todo:read',
    }).toString(),
  };
}

/** One token request; resolves to { status, json }. */
export async function postToken({ url, body }) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPE }, body });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { raw: text }; }
  return { status: res.status, json };
}

export async function assertIssuesToken(name, request) {
  const { status, json } = await postToken(request);
  if (status !== 200 || typeof json.access_token !== 'string') {
    throw new Error(`${name}: sanity request to ${request.url} returned ${status}: ${JSON.stringify(json)}`);
  }
}

export async function runLoad({ url, body }, seconds, connections = 50) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE },
    body,
    connections,
    duration: seconds,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result.requests.total,
  };
}
