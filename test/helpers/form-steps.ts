// Pages one step at a time (the hosted login, the dashboard), for tests that look at each answer: open a
// URL and follow its redirects to a page, submit one of the page's forms (by its action) with some
// fields changed, or stop before following, to see the raw answer. Cookies are kept as a browser would.
import { MiniBrowser, parseForms, type PageSeen } from './browser.js';
import { CALLBACK } from './code-flow.js';

export type Step = PageSeen | { callback: URL };

export class FormSteps {
  readonly browser = new MiniBrowser();
  page!: PageSeen;

  constructor(private readonly callback = CALLBACK) {}

  /** Goes to `url` and follows redirects to a page, or to the app's callback. */
  async open(url: string, init?: RequestInit): Promise<Step> {
    let next: { url: string; init?: RequestInit } = { url, ...(init ? { init } : {}) };
    for (let hop = 0; hop < 10; hop++) {
      const res = await this.browser.fetch(next.url, next.init);
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, next.url);
        if (location.href.startsWith(this.callback)) return { callback: location };
        next = { url: location.href };
        continue;
      }
      this.page = { url: next.url, status: res.status, html: await res.text() };
      return this.page;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** The POST of the current page's form whose action ends with `action`, its fields overlaid with `fields`. */
  request(action: string, fields: Record<string, string> = {}, drop: string[] = []): { url: string; init: RequestInit } {
    const form = parseForms(this.page.html, this.page.url).find((f) => new URL(f.action).pathname.endsWith(action));
    if (!form) throw new Error(`no form posting to …${action} on ${this.page.url}`);
    const body = new URLSearchParams([...form.fields].filter(([name]) => !drop.includes(name)));
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return { url: form.action, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() } };
  }

  /** Submits that form and follows on. */
  submit(action: string, fields: Record<string, string> = {}): Promise<Step> {
    const { url, init } = this.request(action, fields);
    return this.open(url, init);
  }

  /** Submits that form and returns the raw answer, not followed. */
  post(action: string, fields: Record<string, string> = {}, drop: string[] = []): Promise<Response> {
    const { url, init } = this.request(action, fields, drop);
    return this.browser.fetch(url, init);
  }
}

/** The text of a page's first <h1>, tags removed. */
export const headingOf = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim();

/** The text of a page's alert, if any. */
export const alertOf = (html: string) => /<p class="alert" role="alert">([\s\S]*?)<\/p>/.exec(html)?.[1]?.trim();
