// test/helpers/browser.ts's MiniBrowser in plain JS for the benchmarks: a cookie jar that follows
// redirects by hand and submits the page's own form (action, hidden fields, buttons) the way a person
// would, until the browser is sent to the client's redirect URI. Requests go through node:http with a
// keep-alive agent (lighter than fetch, and the load generator shares the cores with the server).
import { Agent, request as httpRequest } from 'node:http';

/** One keep-alive agent per run; `maxSockets` = the number of concurrent workers. */
export function keepAliveAgent(maxSockets) {
  return new Agent({ keepAlive: true, maxSockets });
}

/** One HTTP exchange; resolves to { status, headers, body } with the body as text. */
export function send(agent, method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class MiniBrowser {
  /** `answers`: { email, password, decision ('approve' by default) }. */
  constructor(agent, answers = {}) {
    this.agent = agent;
    this.answers = answers;
    this.cookies = new Map();
    this.requests = 0;
    /** Forms submitted, by the last path segment of their action (identify, login, consent). */
    this.submitted = [];
  }

  /** Goes to `url` and on, until a redirect to a URL starting with `redirectUri`; returns that URL. */
  async authorize(url, redirectUri, maxSteps = 20) {
    let next = { url };
    for (let step = 0; step < maxSteps; step++) {
      const res = await this.fetch(next.url, next.init);
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.location, next.url);
        if (location.href.startsWith(redirectUri)) return location;
        next = { url: location.href };
        continue;
      }
      const form = parseForm(res.body, next.url);
      if (!form || res.status !== 200) throw new Error(`no form to submit on ${next.url} (status ${res.status}): ${res.body.slice(0, 300)}`);
      this.submitted.push(form.action.split('/').at(-1));
      next = { url: form.action, init: this.submission(form) };
    }
    throw new Error(`no redirect to ${redirectUri} after ${maxSteps} steps`);
  }

  async fetch(url, { method = 'GET', headers = {}, body } = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await send(this.agent, method, url, { headers: cookie ? { ...headers, cookie } : headers, body });
    this.requests++;
    for (const line of res.headers['set-cookie'] ?? []) this.keepCookie(line);
    return res;
  }

  keepCookie(line) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  submission(form) {
    const body = new URLSearchParams();
    for (const [name, value] of form.fields) {
      if (name === 'email' && this.answers.email !== undefined && !value) body.set(name, this.answers.email);
      else if (name === 'password') body.set(name, this.answers.password ?? '');
      else body.set(name, value);
    }
    const decision = this.answers.decision ?? 'approve';
    const button = form.buttons.find((b) => b.name === 'decision' && b.value === decision) ?? form.buttons.find((b) => !b.name);
    if (button?.name) body.set(button.name, button.value ?? '');
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() };
  }
}

const attr = (tag, name) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function parseForm(html, pageUrl) {
  const match = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const open = /<form\b[^>]*>/i.exec(match[0])[0];
  const fields = new Map();
  for (const input of match[1].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields.set(name, unescape(attr(input, 'value') ?? ''));
  }
  const buttons = (match[1].match(/<button\b[^>]*>/gi) ?? []).map((b) => ({ name: attr(b, 'name'), value: attr(b, 'value') }));
  return { action: new URL(unescape(attr(open, 'action') ?? pageUrl), pageUrl).href, fields, buttons };
}
