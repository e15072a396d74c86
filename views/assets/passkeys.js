// Passkeys on the login pages (WebAuthn): "Sign in with a passkey" on the email page, the offer to add
// one after signing in, and "Add a passkey". A static script, so it runs under a CSP that allows no
// inline script. Without JavaScript, or in a browser without passkeys, nothing here shows and the
// pages work as they are.
(() => {
  if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) return;

  const fromBase64url = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toBase64url = (buffer) => {
    let binary = '';
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  const say = (text) => {
    const message = document.getElementById('passkey-message');
    if (!message) return;
    message.textContent = text;
    message.hidden = false;
  };
  const why = (err) => {
    if (err && err.name === 'NotAllowedError') return 'The passkey prompt was closed or timed out. Try again, or sign in another way.';
    if (err && err.name === 'InvalidStateError') return 'This device already keeps a passkey for this account.';
    return 'Passkeys did not work in this browser. Sign in another way.';
  };
  // The browser's answer goes to the server in a plain form post, as every other step of the sign-in.
  const send = (formId, answer) => {
    const form = document.getElementById(formId);
    form.elements.credential.value = JSON.stringify(answer);
    form.submit();
  };

  const creationOptions = (o) => ({
    ...o,
    challenge: fromBase64url(o.challenge),
    user: { ...o.user, id: fromBase64url(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  });
  const requestOptions = (o) => ({
    ...o,
    challenge: fromBase64url(o.challenge),
    allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  });
  const common = (c) => ({
    id: c.id,
    rawId: toBase64url(c.rawId),
    type: c.type,
    authenticatorAttachment: c.authenticatorAttachment || undefined,
    clientExtensionResults: c.getClientExtensionResults(),
  });
  const registration = (c) => ({
    ...common(c),
    response: {
      clientDataJSON: toBase64url(c.response.clientDataJSON),
      attestationObject: toBase64url(c.response.attestationObject),
      transports: c.response.getTransports ? c.response.getTransports() : [],
    },
  });
  const assertion = (c) => ({
    ...common(c),
    response: {
      clientDataJSON: toBase64url(c.response.clientDataJSON),
      authenticatorData: toBase64url(c.response.authenticatorData),
      signature: toBase64url(c.response.signature),
      userHandle: c.response.userHandle ? toBase64url(c.response.userHandle) : undefined,
    },
  });

  // The email page: any passkey of this environment the device keeps (a discoverable credential).
  const signIn = document.querySelector('[data-passkey-sign-in]');
  if (signIn) {
    signIn.hidden = false;
    signIn.addEventListener('click', async () => {
      signIn.disabled = true;
      try {
        const form = document.getElementById('passkey-sign-in-form');
        const res = await fetch(signIn.dataset.optionsUrl, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: form.elements._csrf.value }),
        });
        if (!res.ok) throw new Error(`options: ${res.status}`);
        const credential = await navigator.credentials.get({ publicKey: requestOptions(await res.json()) });
        send('passkey-sign-in-form', assertion(credential));
      } catch (err) {
        say(why(err));
        signIn.disabled = false;
      }
    });
  }

  // The code and password pages: ask to be offered a passkey after signing in, when this device can keep one.
  const offers = document.querySelectorAll('form[data-passkey-offer]');
  if (offers.length > 0 && PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable) {
    PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().then(
      (available) => {
        if (available) for (const form of offers) form.elements.passkey_offer.value = '1';
      },
      () => {},
    );
  }

  // The offer after signing in: "Add a passkey".
  const add = document.querySelector('[data-passkey-add]');
  if (add) {
    add.hidden = false;
    add.addEventListener('click', async () => {
      add.disabled = true;
      try {
        const credential = await navigator.credentials.create({ publicKey: creationOptions(JSON.parse(add.dataset.options)) });
        send('passkey-register-form', registration(credential));
      } catch (err) {
        say(why(err));
        add.disabled = false;
      }
    });
  }
})();
