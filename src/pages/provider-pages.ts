// The pages oidc-provider renders itself (errors before a redirect is possible, the logout confirmation
// and its success page, the device flow's user-code pages), in the same look as the login and consent pages.
import type { UserCodeProblem } from '../oidc/device-pages.js';
import type { ProviderPages } from '../oidc/environment.js';
import { errorPageModel, TooManyAttempts } from './errors.js';
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
    deviceCode: ({ problem, userCode, ...form }) =>
      views.render('device-code', {
        title: 'Connect a device',
        environmentHost: environmentHost(),
        ...form,
        userCode: userCode ?? '',
        ...(problem ? { error: USER_CODE_PROBLEMS[problem] } : {}),
      }),
    deviceConfirm: (page) => views.render('device-confirm', { title: 'Confirm the code', environmentHost: environmentHost(), ...page }),
    deviceDone: (page) => views.render('device-done', { title: page.approved ? 'Device connected' : 'Device not connected', environmentHost: environmentHost(), ...page }),
    tooManyAttempts: (seconds, retryAt) => views.render('error', errorPageModel(new TooManyAttempts(seconds, retryAt), environmentUrl())),
  };
}

const USER_CODE_PROBLEMS: Record<UserCodeProblem, string> = {
  not_found: 'That code is not right. Check the code on your device and type it again.',
  expired: 'That code has expired. Start again on your device to get a new one.',
  used: 'That code was used already. Start again on your device to get a new one.',
  no_code: 'Enter the code your device shows.',
  form_expired: 'This form has expired (its security token is missing or wrong), so nothing was changed. Enter the code again.',
  failed: 'The code could not be checked. Start again on your device.',
};
