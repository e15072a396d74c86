// The pages oidc-provider renders itself (errors before a redirect is possible, the logout confirmation
// and its success page), in the same look as the login and consent pages.
import type { ProviderPages } from '../oidc/environment.js';
import { errorPageModel } from './errors.js';
import type { Views } from './views.js';

export function providerPages(views: Views, environmentUrl: () => string): ProviderPages {
  const environmentHost = () => URL.parse(environmentUrl())?.host ?? '';
  return {
    error: (error, description) => {
      const model = errorPageModel({ statusCode: 400, code: error, message: description ?? error }, environmentUrl());
      return views.render('error', { ...model, heading: 'This sign-in cannot continue', message: description || 'The request was not valid.', code: error });
    },
    logout: (form, clientName) =>
      // The provider's form (with its own xsrf token) is closed after our buttons, so they belong to it.
      views.render('logout', { title: 'Sign out', environmentHost: environmentHost(), clientName, formOpen: form.replace(/<\/form>\s*$/, '') }),
    loggedOut: (clientName) => views.render('logged-out', { title: 'Signed out', environmentHost: environmentHost(), clientName }),
  };
}
