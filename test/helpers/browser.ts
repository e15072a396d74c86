// A tiny browser for tests: follows redirects by hand, keeps cookies, and submits the forms of the login
// and consent pages the way a person would (it reads the page's own form: action, hidden fields, buttons).
// It stops when the browser is sent to the client's redirect URI, and returns that URL. A person with a
// password and no email code, asked for a code after the email (the default, as on Scalekit), clicks
// "Use a password instead".

export interface PersonAnswers {
  email?: string;
  password?: string;
  /** The consent button to press. Default 'approve'. */
  decision?: 'approve' | 'deny';
  /** Another named button to press when a form has it (e.g. the logout page's { name: 'logout', value: 'yes' }). */
  press?: { name: string; value: string };
  /** The email code to type on the code page, or how to read it (e.g. from the outbox) for that email. */
  otp?: string | ((email: string) => Promise<string>);
}

export interface PageSeen {
  url: string;
  status: number;
  html: string;
}

export interface Form {
  action: string;
  fields: Map<string, string>;
  buttons: { name?: string; value?: string }[];
}

export class MiniBrowser {
  readonly cookies = new Map<string, string>();
  readonly pages: PageSeen[] = [];
  /** Set to drop a field before a form is sent (e.g. '_csrf', to show the server refuses it). */
  dropField?: string;

  constructor(private readonly answers: PersonAnswers = {}) {}

  /** Goes to `url` and on, until a redirect to a URL starting with `redirectUri`; returns that URL. */
  async authorize(url: string, redirectUri: string, maxSteps = 20): Promise<URL> {
    let next: { url: string; init?: RequestInit } = { url };
    for (let step = 0; step < maxSteps; step++) {
      const res = await this.fetch(next.url, next.init);
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, next.url);
        if (location.href.startsWith(redirectUri)) return location;
        next = { url: location.href };
        continue;
      }
      const html = await res.text();
      this.pages.push({ url: next.url, status: res.status, html });
      const { form, press } = this.answer(parseForms(html, next.url));
      if (!form) throw new BrowserStopped(`no form to submit on ${next.url} (status ${res.status})`, res.status, html);
      next = { url: form.action, init: await this.submission(form, press) };
    }
    throw new Error(`no redirect to ${redirectUri} after ${maxSteps} steps`);
  }

  /** The last page shown. */
  get lastPage(): PageSeen | undefined {
    return this.pages.at(-1);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.keepCookie(line);
    return res;
  }

  /** The form this person answers on a page, and the button they press when it is not the form's own. */
  private answer(forms: Form[]): { form?: Form; press?: { name: string; value: string } } {
    const first = forms[0];
    const signsInWithPassword = this.answers.password !== undefined && this.answers.otp === undefined;
    if (first?.fields.has('otp') && signsInWithPassword) {
      const usePassword = { name: 'method', value: 'password' };
      const form = forms.find((f) => f.buttons.some((b) => b.name === usePassword.name && b.value === usePassword.value));
      if (form) return { form, press: usePassword };
    }
    return first ? { form: first } : {};
  }

  private async otpFor(email: string): Promise<string> {
    const { otp } = this.answers;
    return typeof otp === 'function' ? otp(email) : (otp ?? '');
  }

  private keepCookie(line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  private async submission(form: Form, pressed?: { name: string; value: string }): Promise<RequestInit> {
    const body = new URLSearchParams();
    for (const [name, value] of form.fields) {
      if (name === this.dropField) continue;
      if (name === 'email' && this.answers.email !== undefined && !value) body.set(name, this.answers.email);
      else if (name === 'password') body.set(name, this.answers.password ?? '');
      else if (name === 'otp') body.set(name, await this.otpFor(form.fields.get('email') ?? ''));
      else body.set(name, value);
    }
    const decision = this.answers.decision ?? 'approve';
    const press = pressed ?? this.answers.press;
    const button =
      (pressed && form.buttons.find((b) => b.name === pressed.name && b.value === pressed.value)) ??
      form.buttons.find((b) => b.name === 'decision' && b.value === decision) ??
      (press && form.buttons.find((b) => b.name === press.name && b.value === press.value)) ??
      form.buttons.find((b) => !b.name);
    if (button?.name) body.set(button.name, button.value ?? '');
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() };
  }
}

export class BrowserStopped extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly html: string,
  ) {
    super(message);
  }
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every form of a page, in order: its action (absolute), its named inputs with their values, its buttons. */
export function parseForms(html: string, pageUrl: string): Form[] {
  return [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)].map((match) => {
    const open = /<form\b[^>]*>/i.exec(match[0])![0];
    const fields = new Map<string, string>();
    for (const input of match[1]!.match(/<input\b[^>]*>/gi) ?? []) {
      const name = attr(input, 'name');
      const unchecked = /type="(checkbox|radio)"/i.test(input) && !/\schecked\b/i.test(input);
      if (name && !unchecked) fields.set(name, unescape(attr(input, 'value') ?? ''));
    }
    // A select sends its selected option, else its first.
    for (const [, open, options] of match[1]!.matchAll(/(<select\b[^>]*>)([\s\S]*?)<\/select>/gi)) {
      const name = attr(open!, 'name');
      const all = options!.match(/<option\b[^>]*>/gi) ?? [];
      const chosen = all.find((o) => /\sselected\b/i.test(o)) ?? all[0];
      if (name && chosen) fields.set(name, unescape(attr(chosen, 'value') ?? ''));
    }
    const buttons = (match[1]!.match(/<button\b[^>]*>/gi) ?? []).map((b) => ({ name: attr(b, 'name'), value: attr(b, 'value') }));
    return { action: new URL(unescape(attr(open, 'action') ?? pageUrl), pageUrl).href, fields, buttons };
  });
}
