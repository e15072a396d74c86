// What a person sees when a page cannot go on: what happened and what to do next, never a stack trace.
// oidc-provider's errors are known by name: importing the package here would load it at start, which
// it is kept out of (a third of cold start).
import { STORAGE_RETRY_AFTER_SECONDS, storageFailure, storageReason } from '../store/storage-failure.js';

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export interface PageError {
  statusCode?: number;
  code?: string;
  message: string;
  name?: string;
}

export class PageProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly heading: string,
    message: string,
    readonly next?: string,
  ) {
    super(message);
    this.name = 'PageProblem';
  }
}

/** An address under the pages (dashboard, login, outbox, logout) where there is no page: 404 in their look. */
export class PageNotFound extends PageProblem {
  constructor(next = 'Check the address, or go back to the page you came from.') {
    super(404, 'not_found', 'Page not found', 'There is no page at this address.', next);
  }
}

/** Too many wrong attempts: 429, saying when to try again (and Retry-After). */
export class TooManyAttempts extends PageProblem {
  constructor(
    readonly retryAfterSeconds: number,
    retryAt: Date,
  ) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super(
      429,
      'too_many_attempts',
      'Too many attempts',
      `There were too many wrong attempts for this account or from this network, so sign-in is paused.`,
      `Try again in ${minutes} minute${minutes === 1 ? '' : 's'} (at ${retryAt.toISOString().slice(11, 16)} UTC).`,
    );
  }
}

export interface ErrorPageModel {
  status: number;
  /** Seconds to wait before trying again (Retry-After), when the page says so. */
  retryAfter?: number;
  title: string;
  heading: string;
  message: string;
  next?: string;
  code: string;
  environmentHost: string;
}

const START_AGAIN = 'Go back to the application you were signing in to and start again.';

export function errorPageModel(err: PageError, environmentUrl: string): ErrorPageModel {
  const environmentHost = URL.parse(environmentUrl)?.host ?? '';
  const page = (status: number, code: string, heading: string, message: string, next?: string): ErrorPageModel => ({
    status,
    title: heading,
    heading,
    message,
    ...(next ? { next } : {}),
    code,
    environmentHost,
  });
  if (err instanceof PageProblem) return page(err.statusCode, err.code, err.heading, err.message, err.next);
  const storage = storageFailure(err);
  if (storage) {
    const full = storage === 'SQLITE_FULL';
    const cause = storage.startsWith('SQLITE_') ? `Its disk ${full ? 'is full' : 'failed a read or a write'}` : sentence(storageReason(storage));
    return {
      ...page(
        503,
        'temporarily_unavailable',
        'The emulator cannot save anything right now',
        `${cause} (${storage}), so nothing was changed.`,
        full ? 'Try again in a minute, once there is room on the disk.' : 'Try again in a minute.',
      ),
      retryAfter: STORAGE_RETRY_AFTER_SECONDS,
    };
  }
  if (err.name === 'SessionNotFound') {
    return page(400, 'session_not_found', 'This sign-in has expired', 'The sign-in was started too long ago, finished already, or was opened in another browser.', START_AGAIN);
  }
  if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
    return page(403, 'invalid_csrf_token', 'This form has expired', 'The form was not sent by this page (its security token is missing or wrong), so nothing was changed.', 'Reload the page and try again.');
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return page(413, 'request_too_large', 'That was too much', 'The form sent more data than a sign-in needs.');
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return page(status, 'invalid_request', 'Something is not right', 'The request could not be understood.', START_AGAIN);
  return page(500, 'server_error', 'Something went wrong on our side', 'The emulator could not complete this step.', START_AGAIN);
}
